"""Memory of views opened and closed: a ticket view and the help, 400 times each at 80×24.

The room is driven by Pilot on the bundled sample state; resident memory is read from
/proc/self/statm after a collection at 10, 50, 100, 200, 300 and 400 opens, each measured once
the room has settled.
"""

from __future__ import annotations

import asyncio
import gc
import tempfile
from pathlib import Path

MARKS = (10, 50, 100, 200, 300, 400)


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096 / 1e6


async def _opens(kind: str) -> dict[int, float]:
    from tests.app.test_snapshots import sample_room
    from widgets.screens.help import HelpScreen
    from widgets.screens.ticket import TicketScreen

    target = TicketScreen if kind == "ticket" else HelpScreen
    key = "enter" if kind == "ticket" else "question_mark"
    app = sample_room(Path(tempfile.mkdtemp()))
    found: dict[int, float] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        while not app.ready:
            await pilot.pause(0.05)
        await pilot.press("2")
        for count in range(1, MARKS[-1] + 1):
            await pilot.press(key)
            while not isinstance(app.screen, target):
                await pilot.pause(0.01)
            await pilot.press("escape")
            while app.screen is not app.main:
                await pilot.pause(0.01)
            if count in MARKS:
                await pilot.pause(1.0)  # settled
                gc.collect()
                found[count] = _rss_mb()
    return found


def bench_views() -> None:
    for kind in ("ticket", "help"):
        found = asyncio.run(_opens(kind))
        shown = ", ".join(f"{n}: {mb:.1f}" for n, mb in found.items())
        print(
            f"{kind} view opened and closed: RSS MB after n opens {{{shown}}}; "
            f"400 − 10: {found[400] - found[10]:+.1f} MB, 400 − 100: {found[400] - found[100]:+.1f} MB"
        )
