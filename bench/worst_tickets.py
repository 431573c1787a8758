"""The worst tickets a file may hold, opened in the ticket view at 80×24.

Each ticket is just under the 1 MiB limit (or holds the worst subject), alone in its own state.
Measured with Pilot: the time from `enter` until the view is up, until the room is idle again
(the view drawn), and from `escape` pressed at once until the main screen is back.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

LIMIT = 1_000_000  # bytes of body: the file stays under the 1 MiB limit with its header


def _bodies() -> dict[str, tuple[str, str]]:
    """name → (subject, body)."""
    paragraphs = []
    size, n = 0, 0
    while size < LIMIT:
        paragraphs.append(f"Paragraph {n}: *the fix* was marked done and `never` deployed.")
        size += len(paragraphs[-1]) + 2
        n += 1
    rows = ["| site | status | note |", "|---|---|---|"]
    while sum(len(r) + 1 for r in rows) < LIMIT:
        rows.append(f"| site-{len(rows)} | 503 | answered 503 from the outside |")
    return {
        f"{n:,} paragraphs (1 MB)": ("Many paragraphs", "\n\n".join(paragraphs)),
        "one line of 1 MB": ("One long line", "word " * (LIMIT // 5)),
        f"a table of {len(rows) - 2:,} rows (1 MB)": ("A large table", "\n".join(rows)),
        "a fenced block of 1 MB": ("Code", "```\n" + "x = 1\n" * (LIMIT // 6) + "```\n"),
        "10,000 combining marks in the subject": ("Z" + "\u0301" * 10_000, "Short body.\n"),
    }


async def _open(root: Path) -> tuple[float, float, float]:
    from tui.app import make_app
    from tui.base.config_reading import load_config
    from widgets.screens.ticket import TicketScreen

    app = make_app(root, load_config(root), watch=False, crew=False, probe=False)
    async with app.run_test(size=(80, 24)) as pilot:
        while not app.ready:
            await pilot.pause(0.05)
        await pilot.press("2")
        await pilot.pause()
        start = time.perf_counter()
        await pilot.press("enter")
        while not isinstance(app.screen, TicketScreen):
            await pilot.pause(0.002)
        shown = time.perf_counter() - start
        await pilot.pause()
        settled = time.perf_counter() - start
        await pilot.press("escape")
        await pilot.press("enter")  # again, and straight out: keys are served while it draws
        while not isinstance(app.screen, TicketScreen):
            await pilot.pause(0.002)
        start = time.perf_counter()
        await pilot.press("escape")
        while app.screen is not app.main:
            await pilot.pause(0.002)
        back = time.perf_counter() - start
    return shown, settled, back


def bench_worst_tickets() -> None:
    for name, (subject, body) in _bodies().items():
        root = Path(tempfile.mkdtemp(prefix="sisyphus-worst-"))
        inbox = root / "tickets" / "to_operator"
        inbox.mkdir(parents=True)
        header = (
            f'---\nid: T-1\nfrom: architect\nto: operator\nsubject: "{subject}"\n'
            "created: 2026-11-30T10:00:00Z\nstatus: open\n---\n"
        )
        (inbox / "T-1.md").write_text(header + body, encoding="utf-8")
        size = (inbox / "T-1.md").stat().st_size
        shown, settled, back = asyncio.run(_open(root))
        print(
            f"ticket view, {name} ({size / 1048576:.2f} MiB file), 80×24: up in {shown * 1000:.0f} ms, "
            f"drawn in {settled * 1000:.0f} ms; escape while it opens: back in {back * 1000:.0f} ms "
            "(target < 1 s)"
        )
