"""What the room's Pilot tests share: the sample room, waiting for it, reading its tables."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from tui.app import RoomApp, make_app
from tui.base.clock import ManualClock
from tui.base.config_reading import load_config
from widgets.panes.inboxes import RolesTable, TicketsTable


def table_text(table: TicketsTable | RolesTable) -> list[str]:
    rows = []
    for row_index in range(table.row_count):
        rows.append(" | ".join(cell.plain for cell in table.get_row_at(row_index)))
    return rows


def table_text_row(table: object, index: int) -> str:
    return " | ".join(cell.plain for cell in table.get_row_at(index))  # type: ignore[attr-defined]


def notifications(app: RoomApp) -> list[str]:
    return [note.message for note in app._notifications]


async def settle(
    pilot: object, app: RoomApp, until: Callable[[], bool], seconds: float = 10.0
) -> None:
    """Wait (bounded) for a condition the room reaches through its own workers."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not until():
        if loop.time() > deadline:
            raise AssertionError("the room did not get there in time")
        await pilot.pause(0.05)  # type: ignore[attr-defined]


def room(root: Path, clock: ManualClock, **kwargs: object) -> RoomApp:
    return make_app(
        root,
        load_config(root),
        clock=clock,
        watch=kwargs.pop("watch", False),
        probe=kwargs.pop("probe", False),
        **kwargs,
    )  # type: ignore[arg-type]
