"""The ticket watcher: file events as hints (paths that may have changed), never as truth.

Tuned for latency: watchfiles' default waits for 1.6 s of quiet; here a change arrives in
20–100 ms. It watches the state root (filtered to `tickets/`), so deleting and recreating the
tickets folder is seen too. If the watcher fails it says so with an empty hint (the caller then
rescans everything) and starts again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from watchfiles import Change, awatch


async def ticket_hints(
    root: Path, stop: asyncio.Event, *, force_polling: bool = False
) -> AsyncIterator[set[str]]:
    """Yield sets of changed paths under `tickets/`; an empty set means "rescan everything"."""
    prefix = str((root / "tickets").absolute())

    def wanted(change: Change, path: str) -> bool:
        return path.startswith(prefix)

    while not stop.is_set():
        try:
            async for changes in awatch(
                root,
                watch_filter=wanted,
                debounce=100,
                step=50,
                stop_event=stop,
                rust_timeout=2000,
                force_polling=force_polling,
            ):
                yield {path for _, path in changes}
        except (OSError, RuntimeError):
            yield set()
            await asyncio.sleep(1.0)
            continue
        if not stop.is_set():  # the watcher ended by itself (root gone?): rescan, then start anew
            yield set()
            await asyncio.sleep(1.0)
