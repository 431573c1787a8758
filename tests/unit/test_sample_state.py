"""The bundled sample is what the README promises: every status, stale ones, broken ones."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from tui.base.config_reading import load_config
from tui.base.resources import data_path
from tui.bus.scanner import Scanner, stale_tickets
from tui.demo.sample import SAMPLE_NOW, prepare_demo


def test_sample_state_has_every_status_priority_and_case() -> None:
    root = data_path("sample_state")
    config = load_config(root)
    state = Scanner(root, config.roles).scan()
    assert set(state.roles) >= {"architect", "operator", "pm-memorial-a", "pm-bakery", "pm-library"}
    assert 25 <= len(state.tickets) <= 40
    assert set(Counter(t.status for t in state.tickets)) == {
        "open",
        "done",
        "rejected",
        "needs_clarification",
        "blocked",
    }
    assert set(Counter(t.priority for t in state.tickets)) == {"P0", "P1", "P2", "P3"}
    assert any(t.is_response for t in state.tickets)
    assert state.archived >= 200
    assert len(state.malformed) >= 2
    stale = stale_tickets(state.tickets, SAMPLE_NOW, config.stale_after)
    assert [t.id for t in stale] == ["T-0101", "T-0113"]
    # One clarification turns stale a few minutes into the demo.
    soon = stale_tickets(state.tickets, SAMPLE_NOW + timedelta(minutes=3), config.stale_after)
    assert "T-0115" in {t.id for t in soon}


def test_demo_copy_moves_times_to_now(tmp_path) -> None:
    now = SAMPLE_NOW + timedelta(days=3, hours=5)
    demo = prepare_demo(now=now, target=tmp_path / "demo")
    config = load_config(demo.root)
    state = Scanner(demo.root, config.roles).scan()
    stale = stale_tickets(state.tickets, now, config.stale_after)
    assert [t.id for t in stale] == ["T-0101", "T-0113"]
    by_id = {t.id: t for t in state.tickets}
    assert now - by_id["T-0101"].created == timedelta(minutes=190)


def test_no_inbox_ticket_of_the_sample_shares_its_id_with_an_archived_one() -> None:
    """A thread links a response to its request by id: a reused id links unrelated tickets."""
    import re

    from tui.base.resources import data_path

    ids: dict[bool, list[str]] = {True: [], False: []}
    for path in (data_path("sample_state") / "tickets").rglob("*.md"):
        found = re.search(r"^id: (\S+)$", path.read_text(errors="replace"), re.MULTILINE)
        if found:
            ids["archive" in path.parts].append(found.group(1))
    assert len(ids[False]) > 20 and len(ids[True]) > 100
    assert not set(ids[False]) & set(ids[True])
    assert len(set(ids[True])) == len(ids[True])  # and no id twice in the archive


def test_a_demo_kept_in_a_folder_is_reopened_as_it_was(tmp_path: Path) -> None:
    import pytest

    from tui.demo.sample import prepare_demo

    kept = tmp_path / "demo"
    first = prepare_demo(target=kept)
    assert first.cleanup is None and (kept / "tickets").is_dir()
    (kept / "tickets" / "to_operator" / "mine.md").write_text("---\nfrom: owner\n---\nhi\n")
    again = prepare_demo(target=kept)  # not copied over: what was done in it stays
    assert again.root == kept and (kept / "tickets" / "to_operator" / "mine.md").exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not empty and holds no tickets"):
        prepare_demo(target=other)
    assert [p.name for p in other.iterdir()] == ["notes.txt"]
