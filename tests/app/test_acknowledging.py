"""Stale clarifications acknowledged, kept, and sent to the writer: rooms beside rooms and watchers."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests.app.support import notifications, room, settle, table_text
from tests.helpers import NOW, stamp, write_ticket
from tui.base.clock import ManualClock
from widgets.panes.header import StatusBar
from widgets.panes.inboxes import TicketsTable


async def test_stale_ladder_then_acknowledgement_survives_restart(root: Path) -> None:
    write_ticket(
        root,
        "operator",
        "Q-1",
        id="Q-1",
        sender="architect",
        subject="A question",
        deliverable="d",
        created=stamp(50),
        status="needs_clarification",
    )
    clock = ManualClock(NOW)
    app = room(root, clock)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        assert not [n for n in notifications(app) if "Q-1" in n]
        clock.advance(timedelta(minutes=10, seconds=1))  # turns stale: announced once
        app.main.refresh_ages()
        await pilot.pause()
        assert len([n for n in notifications(app) if "Q-1" in n]) == 1
        clock.advance(timedelta(minutes=2))
        app.main.refresh_ages()
        await pilot.pause()
        assert len([n for n in notifications(app) if "Q-1" in n]) == 1
        clock.advance(timedelta(minutes=3))  # 5 minutes after turning stale
        app.main.refresh_ages()
        await pilot.pause()
        assert len([n for n in notifications(app) if "Q-1" in n]) == 2
        clock.advance(timedelta(minutes=15))
        app.main.refresh_ages()
        await pilot.pause()
        assert len([n for n in notifications(app) if "Q-1" in n]) == 3
        clock.advance(timedelta(minutes=14))
        app.main.refresh_ages()
        await pilot.pause()
        assert len([n for n in notifications(app) if "Q-1" in n]) == 3
        await pilot.press("2", "a")
        assert "Q-1" in app.acks.ids()
        clock.advance(timedelta(hours=2))
        app.main.refresh_ages()
        await pilot.pause()
        assert len([n for n in notifications(app) if "Q-1" in n and "waited" in n]) == 3
        assert "STALE ✓" in table_text(app.query_one(TicketsTable))[0]
    acks = json.loads((root / ".room" / "acks.json").read_text())
    assert [doc["ticket"] for doc in acks["_default"].values()] == ["Q-1"]
    again = room(root, clock)
    async with again.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, again, lambda: again.ready)
        assert not [n for n in notifications(again) if "Q-1" in n and "waited" in n]


async def test_read_only_keeps_acknowledgements_in_memory(state: Path) -> None:
    app = room(state, ManualClock(NOW), read_only=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        assert "read-only" in str(app.query_one(StatusBar).visual)
        await pilot.press("2", "a")
        assert "T-2" in app.acks.ids()
    assert not (state / ".room" / "acks.json").exists()


async def test_second_room_reads_when_the_first_holds_the_lock(state: Path) -> None:
    first = room(state, ManualClock(NOW))
    async with first.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, first, lambda: first.ready)
        second = room(state, ManualClock(NOW))
        assert second.read_only_reason == "another room holds .room/lock"
        async with second.run_test(size=(120, 40), notifications=True) as second_pilot:
            await settle(second_pilot, second, lambda: second.ready)
            header = str(second.query_one(StatusBar).visual)
            assert "read-only (another room holds .room/lock)" in header
            await second_pilot.press("2", "a")  # T-2, the stale clarification
            assert "T-2" in second.acks.ids()
        assert "T-2" not in first.acks.ids()  # the reader wrote nothing the writer reads
        assert not (state / ".room" / "acks.json").exists()


async def test_a_room_attaches_to_a_running_watcher_and_acks_through_it(state: Path) -> None:
    import subprocess
    import sys

    watcher = subprocess.Popen(
        [sys.executable, "-m", "tui", "watch", "--state", str(state), "--log-format", "json"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert watcher.stdout is not None
        assert json.loads(watcher.stdout.readline())["event"] == "watcher started"
        app = room(state, ManualClock(NOW))
        assert app.watcher is not None and app.watcher["pid"] == watcher.pid
        assert not app.writer and app.read_only_reason is None  # attached, not read-only
        async with app.run_test(size=(160, 40), notifications=True) as pilot:
            await settle(pilot, app, lambda: app.ready)
            header = str(app.query_one(StatusBar).visual)
            assert f"watched by pid {watcher.pid} on " in header and "read-only" not in header
            await pilot.press("2", "a")  # T-2, the stale clarification
            await settle(pilot, app, lambda: "T-2" in app.acks.ids())
            await settle(pilot, app, lambda: "(1 acked)" in str(app.query_one(StatusBar).visual))
        acks = json.loads((state / ".room" / "acks.json").read_text())["_default"]
        assert [doc["ticket"] for doc in acks.values()] == ["T-2"]  # written by the watcher
    finally:
        watcher.terminate()
        watcher.wait(10)
    assert watcher.returncode == 0


async def test_the_writer_room_carries_out_acks_from_the_command_line(state: Path) -> None:
    import sys

    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        assert app.writer
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tui",
            "ack",
            "T-2",
            "--state",
            str(state),
            "--by",
            "night-shift",
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await process.communicate()
        assert process.returncode == 0
        assert b"carried out by the room holding the lock" in out
        assert "T-2" in app.acks.ids()
        await settle(pilot, app, lambda: any("night-shift" in n for n in notifications(app)))


async def test_a_watching_room_is_woken_by_a_request_not_by_looking(
    state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a watch in place a request from the command line wakes the writer room as it lands:
    with its fallback look an hour away, `ack` is still carried out within its 5 s wait."""
    import sys

    import widgets.parts.requests_channel

    monkeypatch.setattr(widgets.parts.requests_channel, "REQUESTS_FALLBACK", 3600.0)
    app = room(state, ManualClock(NOW), watch=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        await settle(pilot, app, app.watching.is_set)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tui", "ack", "T-2", "--state", str(state), "--by", "night-shift",
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await process.communicate()
        assert b"carried out by the room holding the lock" in out, out
        assert "T-2" in app.acks.ids()
