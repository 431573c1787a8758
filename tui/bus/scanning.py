"""When the tickets are read: the first scan at once, then one scan in flight at a time.

The first scan starts when the room is built, in a thread, so it overlaps the screen's start-up.
The first frame waits for it (`first`). On a large state, what it has read after FIRST_PAINT_WAIT
is handed over as a partial view at once, and the scan pauses (up to FIRST_PAINT_HOLD) until that
view is painted: both would share one core's worth of Python. After it, a request during a scan
arms exactly one more, never a queue.

Every state goes to `deliver(state, partial)`, called from the scan's thread.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from tui.base.sanitize import clean
from tui.bus.scanner import BusSnapshot, Scanner

FIRST_PAINT_WAIT = 0.15  # seconds the first paint waits for the first scan before a partial view
FIRST_PAINT_HOLD = 3.0  # at most this long the first scan pauses while that partial view is painted

Deliver = Callable[[BusSnapshot, bool], None]


class ScanSchedule:
    def __init__(self, scanner: Scanner, deliver: Deliver) -> None:
        self.scanner, self._deliver = scanner, deliver
        self._last: BusSnapshot | None = None
        self._pool = concurrent.futures.ThreadPoolExecutor(1, "scan")
        self._lock = threading.Lock()
        self._running, self._again, self._archive = True, False, False
        self._closed = False
        self._started = time.monotonic()
        self._painted = threading.Event()
        self._first_ready = threading.Event()  # the first view is read: whole, or partial
        self._first_view: tuple[BusSnapshot, bool] | None = None
        self._pool.submit(self._first_scan)

    def first(self, timeout: float = FIRST_PAINT_WAIT + 0.15) -> tuple[BusSnapshot, bool] | None:
        """The first view for the first frame, (state, partial), as soon as the first scan has
        read it all or handed over a partial view; None when neither came within `timeout`. The
        same state is also delivered, later, as usual."""
        if self._first_ready.wait(timeout):
            return self._first_view
        return None

    def painted(self) -> None:
        """The first frame is on screen: a paused first scan goes on."""
        self._painted.set()

    def request(self, *, archive: bool = False) -> None:
        """Read the bus again (`archive`: count the archive too)."""
        with self._lock:
            self._archive = self._archive or archive
            if self._running:
                self._again = True
                return
            if self._closed:  # a watch event or a timer after the room began to close
                return
            self._running, archive, self._archive = True, self._archive, False
        self._pool.submit(self._run, archive)

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._painted.set()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _scan(self, archive: bool, progress: Callable[[BusSnapshot], None] | None) -> BusSnapshot:
        try:
            self._last = self.scanner.scan(count_archive_too=archive, progress=progress)
        except Exception as exc:  # a scan never ends the room: say it, keep the last state
            problem = clean(f"reading the tickets failed: {exc}")
            if self._last is None:
                return BusSnapshot(self.scanner.root, (), (), (), 0, (problem,))
            return replace(self._last, problems=(*self._last.problems, problem))
        return self._last

    def _first_scan(self) -> None:
        state = self._scan(True, self._progress)
        if not self._first_ready.is_set():
            self._first_view = (state, False)
            self._first_ready.set()
        self._done(state)

    def _progress(self, state: BusSnapshot) -> None:
        if self._first_ready.is_set() or time.monotonic() - self._started < FIRST_PAINT_WAIT:
            return  # a partial view once, during the first scan only
        self._first_view = (state, True)
        self._first_ready.set()
        self._deliver(state, True)
        self._painted.wait(timeout=FIRST_PAINT_HOLD)

    def _run(self, archive: bool) -> None:
        self._done(self._scan(archive, None))

    def _done(self, state: BusSnapshot) -> None:
        self._deliver(state, False)
        with self._lock:
            self._running, again = False, self._again
            self._again = False
        if again:
            self.request()
