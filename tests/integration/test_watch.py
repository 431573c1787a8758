"""The watcher on real folders: inboxes one level deep, new inboxes picked up, the tree recreated."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tui.bus.watcher import ticket_hints, watched_folders


class Hints:
    """Reads the watcher continuously, as the room does, and keeps what it said."""

    def __init__(self, root: Path, also: list[Path] | None = None) -> None:
        self.stop = asyncio.Event()
        self.seen: list[set[str]] = []
        self.everything: list[set[str]] = []  # every hint, never cleared
        self.arrived = asyncio.Event()
        self.watches = 0  # how many times the watch was in place
        self.watch_started = asyncio.Event()
        loop = asyncio.get_running_loop()

        def watching() -> None:
            loop.call_soon_threadsafe(self._watching)

        self.task = asyncio.ensure_future(
            self._read(ticket_hints(root, self.stop, also=also or [], watching=watching))
        )

    def _watching(self) -> None:
        self.watches += 1
        self.watch_started.set()

    async def watching(self, count: int) -> None:
        """Until the watch has been put in place `count` times (it starts again on a new inbox)."""
        while self.watches < count:
            self.watch_started.clear()
            await asyncio.wait_for(self.watch_started.wait(), 10)

    async def _read(self, hints: AsyncIterator[set[str]]) -> None:
        async for hint in hints:
            self.seen.append(hint)
            self.everything.append(hint)
            self.arrived.set()

    async def wait_for(self, wanted: str, rescan_too: bool = False, seconds: float = 10.0) -> None:
        """Until a hint names a path ending in `wanted` (or, with `rescan_too`, asks for a rescan)."""

        async def matched() -> None:
            while True:
                for hint in self.seen:
                    if (rescan_too and not hint) or any(path.endswith(wanted) for path in hint):
                        return
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(matched(), seconds)
        self.seen.clear()

    async def close(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 10)


def test_watched_folders_are_the_top_of_each_tree(root: Path) -> None:
    (root / "tickets" / "to_operator").mkdir()
    (root / "tickets" / "archive" / "2026-11").mkdir()
    (root / "tickets" / "notes").mkdir()
    names = [path.relative_to(root.parent).as_posix() for path in watched_folders(root)]
    assert names == ["state", "state/tickets", "state/tickets/archive", "state/tickets/to_operator"]
    (root / ".room" / "requests").mkdir(parents=True)
    also = [root / ".room" / "requests", root / ".room" / "missing"]
    names = [path.relative_to(root.parent).as_posix() for path in watched_folders(root, also)]
    assert names[:2] == ["state", "state/.room/requests"] and len(names) == 5


@pytest.mark.asyncio
async def test_a_file_in_a_folder_watched_alongside(root: Path) -> None:
    """The writer's `.room/requests/` beside the tickets: a request is a hint like a ticket."""
    asked = root / ".room" / "requests"
    asked.mkdir(parents=True)
    (root / "tickets" / "to_operator").mkdir()
    hints = Hints(root, also=[asked])
    try:
        await hints.watching(1)
        (asked / "r-1.json").write_text("{}")
        await hints.wait_for("requests/r-1.json")
        (root / ".room" / "acks.json").write_text("{}")  # the rest of .room is not watched
        (root / "tickets" / "to_operator" / "T-1.md").write_text("---\nid: T-1\n---\n")
        await hints.wait_for("T-1.md")
        assert not any("acks.json" in path for hint in hints.everything for path in hint)
    finally:
        await hints.close()


@pytest.mark.asyncio
async def test_a_ticket_in_an_inbox_and_in_a_new_inbox(root: Path) -> None:
    (root / "tickets" / "to_operator").mkdir()
    hints = Hints(root)
    try:
        await hints.watching(1)
        (root / "tickets" / "to_operator" / "T-1.md").write_text("---\nid: T-1\n---\n")
        await hints.wait_for("T-1.md")
        (root / "tickets" / "to_architect").mkdir()
        await hints.wait_for("to_architect")
        await hints.watching(2)  # the watch starts again with the new inbox in it
        (root / "tickets" / "to_architect" / "T-2.md").write_text("---\nid: T-2\n---\n")
        await hints.wait_for("T-2.md")
    finally:
        await hints.close()


@pytest.mark.asyncio
async def test_tickets_folder_deleted_and_recreated(root: Path) -> None:
    (root / "tickets" / "to_operator").mkdir()
    hints = Hints(root)
    try:
        await hints.watching(1)
        shutil.move(root / "tickets", root.parent / "saved")
        await hints.wait_for("tickets", rescan_too=True)
        await hints.watching(2)  # again, over the root alone
        shutil.move(root.parent / "saved", root / "tickets")
        await hints.wait_for("tickets", rescan_too=True)
        await hints.watching(3)  # again, with tickets/ and its inboxes
        (root / "tickets" / "to_operator" / "T-3.md").write_text("---\nid: T-3\n---\n")
        await hints.wait_for("T-3.md")
    finally:
        await hints.close()
