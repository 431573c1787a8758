"""Hat-switch intents (SPEC section 7): read, open / closed / overdue, malformed, in the JSON,
the text and `check`."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

from tests.helpers import NOW, run_cli, write_intent
from tui.bus.intents import Intent, read_intents
from tui.bus.scanner import Scanner


def when(minutes_ago: int) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_open_closed_and_overdue_switches(root: Path) -> None:
    common = {"role": "operator", "acting_as": "pm-bakery", "reason": "webhook down"}
    write_intent(root, "a-open.md", **common, created=when(30), until=when(-30), ticket="T-0150")
    write_intent(root, "b-closed.md", **common, created=when(300), closed=when(250))
    write_intent(root, "nested/c-past-until.md", **common, created=when(90), until=when(10))
    write_intent(root, "d-too-long.md", **common, created=when(180))
    found, bad, problems = read_intents(root)
    assert not bad and not problems
    by = {i.path.rsplit("/", 1)[-1]: i for i in found}
    assert found[0].path == "intents/a-open.md"  # newest first
    after = timedelta(hours=2)
    assert by["a-open.md"].open and by["a-open.md"].overdue(NOW, after) is None
    assert by["a-open.md"].ticket == "T-0150"
    assert not by["b-closed.md"].open and by["b-closed.md"].overdue(NOW, after) is None
    assert by["c-past-until.md"].overdue(NOW, after) == "past its until (10m ago) and not closed"
    assert by["d-too-long.md"].overdue(NOW, after) == "open 3h00m"
    assert by["d-too-long.md"].overdue(NOW, timedelta(hours=4)) is None


def test_files_that_are_not_intents_are_listed_with_their_reason(root: Path) -> None:
    write_intent(root, "role.md", role="Operator!", acting_as="pm", created=when(5))
    write_intent(root, "created.md", role="operator", acting_as="pm", created="soon")
    write_intent(root, "until.md", role="operator", acting_as="pm", created=when(5), until="later")
    (root / "intents" / "no-header.md").write_text("just text\n")
    (root / "intents" / "notes.txt").write_text("not an .md: not read\n")
    outside = root.parent / "outside.md"
    outside.write_text("---\nrole: operator\nacting_as: pm\ncreated: 2026-11-24T09:00:00Z\n---\n")
    os.symlink(outside, root / "intents" / "link.md")
    found, bad, _ = read_intents(root)
    assert found == []
    reasons = {b.path.removeprefix("intents/"): b.reason for b in bad}
    assert reasons["role.md"] == "'role' must be a role name, got 'Operator!'"
    assert "bad 'created'" in reasons["created.md"] and "bad 'until'" in reasons["until.md"]
    assert reasons["no-header.md"].startswith("no front matter")
    assert reasons["link.md"].startswith("not read: a symbolic link")
    assert set(reasons) == {"role.md", "created.md", "until.md", "no-header.md", "link.md"}


def test_the_bus_scan_and_the_command_line_carry_them(root: Path) -> None:
    write_intent(
        root,
        "late.md",
        role="operator",
        acting_as="pm-bakery",
        reason="webhook down",
        created=when(200),
    )
    write_intent(root, "broken.md", role="operator")
    bus = Scanner(root).scan()
    assert [i.role for i in bus.intents] == ["operator"] and len(bus.bad_intents) == 1
    now = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    data = json.loads(run_cli(root, "status", "--json", "--now", now).stdout)
    [shown] = data["intents"]
    assert shown["acting_as"] == "pm-bakery" and shown["open"] is True
    assert shown["overdue"] == "open 3h20m"
    assert any(b["path"] == "intents/broken.md" for b in data["malformed"])
    text = run_cli(root, "status", "--now", now).stdout
    assert "hat switches open (1):" in text and "operator acting as pm-bakery" in text
    check = run_cli(root, "check", "--now", now)
    assert check.returncode == 1
    assert "hat switch open 3h20m: operator acting as pm-bakery" in check.stdout
    assert "malformed intent: intents/broken.md" in check.stdout


def test_the_sample_carries_an_open_switch_and_a_closed_one() -> None:
    found, bad, _ = read_intents(Path(__file__).resolve().parents[2] / "sample_state")
    assert not bad
    assert sorted((i.role, i.open) for i in found) == [("architect", False), ("operator", True)]
    assert all(isinstance(i, Intent) for i in found)
