"""The ticket watcher: file events as hints (paths that may have changed), never as truth.

- Tuned for latency: watchfiles' default waits for 1.6 s of quiet; here a change arrives in
  50–100 ms (a 50 ms step, 100 ms at most to group a burst).
- Cheap when idle: the watch runs in its own thread through watchfiles' public `watch()`, whose
  Rust loop asks a plain stop flag once a 50 ms step (no thread hop; `awatch` hops threads every
  step and cost 0.3 % of a core on its own) and hands back a time-out once a second, when the
  thread looks whether the root is still there.
- Folders one level deep, not whole trees: the state root (so deleting and recreating `tickets/`
  is seen), `tickets/` itself (inboxes appearing or going), every inbox and the top of the
  archive. A recursive watch would walk the whole archive first (100,000 files: over half a second,
  holding the interpreter) and spend one kernel watch per archive folder. When a folder comes or
  goes under `tickets/`, the thread starts the watch again over the new set at once. Moves into
  nested archive folders are not seen as they happen; the periodic rescan recounts the archive.
- If the watch fails, or the state root goes, it says so with an empty hint (the caller then
  rescans everything) and starts again a second later.
- Other folders can be watched alongside (`also`, one level deep, those that exist when the watch
  starts): the writer's `.room/requests/`, so a request from the command line is taken when it
  lands, not by looking twice a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

from watchfiles import watch

DEBOUNCE_MS = 100  # a burst of changes is handed over within this
STEP_MS = 50  # a change is noticed within this, and handed over after this much quiet
TIMEOUT_MS = 1000  # how often the thread looks up whether it should stop


def watched_folders(root: Path, also: Sequence[Path] = ()) -> list[Path]:
    """The root, `tickets/`, each `tickets/to_<role>/` and `tickets/archive/`, and the folders
    `also` watched, those that exist."""
    tickets = root / "tickets"
    folders = [root] + [folder for folder in also if folder.is_dir()]
    if tickets.is_dir():
        folders.append(tickets)
        with contextlib.suppress(OSError):  # gone since: the next start sees it
            folders += sorted(
                entry
                for entry in tickets.iterdir()
                if (entry.name.startswith("to_") or entry.name == "archive") and entry.is_dir()
            )
    return folders


def _watch(
    root: Path,
    also: Sequence[Path],
    halt: threading.Event,
    deliver: Callable[[set[str]], None],
    force_polling: bool,
    watching: Callable[[], None],
) -> None:
    """The watcher thread: hand over changed paths under `tickets/` and `also` until `halt`."""
    tickets = root.absolute() / "tickets"
    prefix = str(tickets)
    others = tuple(str(folder.absolute()) for folder in also)

    def reshapes(path: str) -> bool:
        """A folder came or went where the watch is set up: `tickets/` itself or one under it,
        or one of the folders `also` watched."""
        return (
            path == prefix
            or path in others
            or (Path(path).parent == tickets and not path.endswith(".md"))
        )

    while not halt.is_set():
        stop = _Stop(halt, watching)
        folders = watched_folders(root, also)
        try:
            for changes in watch(
                *folders,
                watch_filter=None,  # every name: the scan decides what is a ticket
                debounce=DEBOUNCE_MS,
                step=STEP_MS,
                stop_event=stop,
                rust_timeout=TIMEOUT_MS,
                yield_on_timeout=True,
                debug=False,
                raise_interrupt=False,
                force_polling=force_polling,
                recursive=False,
                ignore_permission_denied=False,
            ):
                if not changes:  # a time-out: is the root still there?
                    if not root.is_dir():
                        deliver(set())
                        halt.wait(1.0)
                        break
                    continue
                paths = {path for _, path in changes if path.startswith((prefix, *others))}
                if paths:
                    deliver(paths)
                    if any(reshapes(path) for path in paths):
                        break  # start again over the new set of folders, at once
        except (OSError, RuntimeError):  # no watch can be set, or the watcher failed (overflow)
            deliver(set())
            halt.wait(1.0)


class _Stop:
    """watchfiles' stop event, asked once a step: the first ask says the watch is in place."""

    def __init__(self, halt: threading.Event, watching: Callable[[], None]) -> None:
        self.halt, self.watching, self.told = halt, watching, False

    def is_set(self) -> bool:
        if not self.told:
            self.told = True
            self.watching()
        return self.halt.is_set()


async def ticket_hints(
    root: Path,
    stop: asyncio.Event,
    *,
    also: Sequence[Path] = (),
    force_polling: bool = False,
    watching: Callable[[], None] = lambda: None,
) -> AsyncIterator[set[str]]:
    """Yield sets of changed paths under `tickets/` (and the folders `also` watched); an empty
    set means "rescan everything".

    `watching` is called (from the watcher's thread) each time the watch is in place, at the
    start and after it started again over a new set of folders.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[set[str] | None] = asyncio.Queue()
    halt = threading.Event()

    def deliver(paths: set[str]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: the room is ending
            loop.call_soon_threadsafe(queue.put_nowait, paths)

    async def stop_waiting() -> None:
        await stop.wait()
        queue.put_nowait(None)

    thread = threading.Thread(
        target=_watch,
        args=(root, tuple(also), halt, deliver, force_polling, watching),
        name="ticket-watcher",
        daemon=True,
    )
    thread.start()
    stopper = asyncio.ensure_future(stop_waiting())
    try:
        while (hint := await queue.get()) is not None:
            yield hint
    finally:
        halt.set()
        stopper.cancel()
