"""Damaged `.room` contents: whatever a file of the room's own holds, `status` and `check` answer."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.base.config_reading import load_config
from tui.overview import collect
from tui.view.snapshot import check_reasons, render_text

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
TOML = '[[sites]]\nname = "a"\nurl = "http://a.example/"\n[backups]\npath = "backups"\n'

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False)
    | st.sampled_from(["9999-12-31T23:59:59-01:00", "2026-11-24T09:00:00Z", "", "x", "1e20"])
    | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=25,
)
KEYS = st.sampled_from(
    [
        "kind",
        "key",
        "id",
        "ticket",
        "latest",
        "history",
        "streaks",
        "state",
        "opened_at",
        "since",
        "first_bad_at",
        "tier",
        "timeline",
        "site",
        "check",
        "ok",
        "at",
        "detail",
        "freeze",
        "t",
        "c",
    ]
)
DOC = st.dictionaries(KEYS, JSON, max_size=8)
TABLE = st.dictionaries(st.sampled_from(["1", "2", "x"]), DOC | JSON, max_size=3)
TINYDB = st.fixed_dictionaries({"_default": TABLE}) | JSON
FILES = {
    "probes.json": TINYDB,
    "incidents.json": TINYDB,
    "acks.json": TINYDB,
    "freeze.json": DOC | JSON,
}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(
        [*sorted(FILES), "history/minutes-2026-11-24T09.jsonl", "history/hours-2026-11-23.json"]
    ),
    data=st.data(),
)
def test_status_and_check_answer_whatever_a_room_file_holds(name: str, data: st.DataObject) -> None:
    if name.endswith(".jsonl"):
        lines = data.draw(st.lists(DOC | JSON, max_size=4))
        content = "".join(json.dumps(line) + "\n" for line in lines)
    else:
        content = json.dumps(data.draw(FILES.get(name, TINYDB)))
    root = Path(tempfile.mkdtemp())
    try:
        (root / "tickets" / "to_x").mkdir(parents=True)
        (root / "sisyphus.toml").write_text(TOML)
        path = root / ".room" / name
        path.parent.mkdir(parents=True)
        path.write_text(content)
        config = load_config(root)
        snapshot = collect(root, config, NOW)
        json.dumps(snapshot)
        render_text(snapshot, NOW)
        check_reasons(snapshot)
    finally:
        shutil.rmtree(root)


def test_a_streak_dated_past_year_9999_is_skipped(tmp_path: Path) -> None:
    """A start time Python cannot turn into a date (found while reading the engine)."""
    (tmp_path / "tickets").mkdir()
    (tmp_path / "sisyphus.toml").write_text(TOML)
    (tmp_path / ".room").mkdir()
    streaks = {"kind": "streaks", "streaks": {"a/http": [3, 0, 500_000_000_000]}}
    (tmp_path / ".room" / "incidents.json").write_text(json.dumps({"_default": {"1": streaks}}))
    snapshot = collect(tmp_path, load_config(tmp_path), NOW)
    assert check_reasons(snapshot) == []


def test_acks_made_in_a_batch_are_written_once_and_pruned_with_their_tickets(
    tmp_path: Path,
) -> None:
    from datetime import UTC, datetime

    from tui.bus.acks import Acks

    acks = Acks(tmp_path, read_only=False)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    acks.acknowledge("T-0", "owner", now)
    before = (tmp_path / "acks.json").stat()
    with acks.batch() as problems:
        for number in range(1, 2001):
            acks.acknowledge(f"T-{number}", "owner", now)
        after = (tmp_path / "acks.json").stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
        assert "T-2000" in acks.ids()  # known at once, written at the end
    assert problems == []
    assert len(Acks(tmp_path, read_only=True).ids()) == 2001
    acks.forget_missing({"T-1"})
    assert Acks(tmp_path, read_only=True).ids() == {"T-1"}


def test_status_and_check_say_when_the_freeze_lifts_and_name_open_incidents(
    tmp_path: Path,
) -> None:
    (tmp_path / "tickets").mkdir()
    (tmp_path / "sisyphus.toml").write_text(TOML)
    snapshot = collect(tmp_path, load_config(tmp_path), NOW)
    snapshot |= {
        "freeze": True,
        "freeze_since": "2026-11-24T08:02:00Z",
        "freeze_lifts_at": "2026-11-25T18:00:00Z",
    }
    snapshot["slos"] = [
        {"site": "shop", "name": "availability", "frozen": True, "budget_remaining": None}
    ]
    snapshot["incidents"] = [
        {"id": "INC-1", "state": "triggered", "site": "shop", "cause": "http", "detail": "503"}
    ]
    [freeze] = [r for r in check_reasons(snapshot) if r.startswith("deploy freeze")]
    assert freeze == (
        "deploy freeze: shop/availability below the freeze line; since 11-24 08:02Z, "
        "lifts about 11-25 18:00Z (projected)"
    )
    text = render_text(snapshot, NOW)
    assert "lifts about 11-25 18:00Z (projected)" in text
    assert "  INC-1 triggered: shop http: 503" in text
    snapshot["freeze_lifts_at"] = None
    assert "no lift projected within the SLO window" in " ".join(check_reasons(snapshot))
