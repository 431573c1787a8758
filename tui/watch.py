"""The ticket watcher: file events as hints (paths that may have changed), never as truth.

Tuned for latency: watchfiles' default waits for 1.6 s of quiet; here a change arrives in
50–100 ms. It watches folders one level deep, not whole trees: the state root (so deleting and
recreating `tickets/` is seen), `tickets/` itself (inboxes appearing or going), every inbox and the
top of the archive. A recursive watch would walk the whole archive first (100,000 files: over half
a second, holding the interpreter) and spend one kernel watch per archive folder. When a folder
comes or goes under `tickets/`, the watch starts again over the new set. Moves into nested archive
folders are not seen as they happen; the periodic rescan recounts the archive. If the watcher
fails it says so with an empty hint (the caller then rescans everything) and starts again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from watchfiles import Change, awatch


def watched_folders(root: Path) -> list[Path]:
    """The root, `tickets/`, each `tickets/to_<role>/` and `tickets/archive/`, those that exist."""
    tickets = root / "tickets"
    folders = [root]
    if tickets.is_dir():
        folders.append(tickets)
        with contextlib.suppress(OSError):  # gone since: the next start sees it
            folders += sorted(
                entry
                for entry in tickets.iterdir()
                if (entry.name.startswith("to_") or entry.name == "archive") and entry.is_dir()
            )
    return folders


async def ticket_hints(
    root: Path, stop: asyncio.Event, *, force_polling: bool = False
) -> AsyncIterator[set[str]]:
    """Yield sets of changed paths under `tickets/`; an empty set means "rescan everything"."""
    tickets = (root / "tickets").absolute()
    prefix = str(tickets)

    def wanted(change: Change, path: str) -> bool:
        return path.startswith(prefix)

    def reshapes(path: str) -> bool:
        """A folder came or went where the watch is set up: `tickets/` itself or one under it."""
        parent = Path(path).parent
        return path == prefix or (parent == tickets and not path.endswith(".md"))

    while not stop.is_set():
        restart = False
        try:
            async for changes in awatch(
                *watched_folders(root),
                watch_filter=wanted,
                debounce=100,
                step=50,
                stop_event=stop,
                rust_timeout=2000,
                recursive=False,
                force_polling=force_polling,
            ):
                paths = {path for _, path in changes}
                yield paths
                if any(reshapes(path) for path in paths):
                    restart = True
                    break
        except (OSError, RuntimeError):
            yield set()
            await asyncio.sleep(1.0)
            continue
        if restart:
            continue
        if not stop.is_set():  # the watcher ended by itself (root gone?): rescan, then start anew
            yield set()
            await asyncio.sleep(1.0)
