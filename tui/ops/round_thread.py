"""The watcher's pace: one probe round every `probe_interval` in a thread of its own, and between
rounds a confirmation of the checks that began failing, after `confirm_after`.

The loop that owns it asks `finished()` four times a second and `start_due()` after; nothing here
waits, so a slow round never holds up requests, ladders or pages.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tui.base.clock import Clock
from tui.base.config import Config
from tui.bus.tickets import Ticket
from tui.ops.engine import Operations
from tui.ops.outcomes import RoundOutcome


class RoundThread:
    def __init__(self, ops: Operations, clock: Clock, config: Config, scale: float = 1.0) -> None:
        self.ops, self.clock, self.scale = ops, clock, scale
        self.interval = config.probe_interval.total_seconds() / scale
        self.confirm_wait = config.confirm_after.total_seconds() / scale
        self.thread: threading.Thread | None = None
        self.outcome: RoundOutcome | None = None
        self.seconds = 0.0
        self.confirming: list[str] | None = None  # the sites the thread in flight probes again
        self.next_round = time.monotonic()
        self.confirm_at: float | None = None
        self.unconfirmed: list[str] = []

    @property
    def idle(self) -> bool:
        return self.thread is None

    def finished(self) -> tuple[RoundOutcome, list[str] | None, float] | None:
        """The round or confirmation that ended since the last look: (its outcome, the sites it
        confirmed or None for a round, its seconds); a confirmation is armed after it."""
        if self.thread is None or self.thread.is_alive():
            return None
        self.thread = None
        outcome, confirmed = self.outcome, self.confirming
        self.unconfirmed = self.ops.unconfirmed()
        soon = time.monotonic() + self.confirm_wait
        self.confirm_at = soon if self.unconfirmed and soon < self.next_round else None
        return (outcome, confirmed, self.seconds) if outcome is not None else None

    def start_due(self, tickets: tuple[Ticket, ...] | list[Ticket] | None) -> None:
        """Start the round when its time came, else the confirmation when its time came."""
        if self.thread is not None:
            return
        if time.monotonic() >= self.next_round:
            self.next_round = time.monotonic() + self.interval
            self._start(lambda: self.ops.round(self.clock, tickets=tickets), None)
        elif self.confirm_at is not None and time.monotonic() >= self.confirm_at:
            self.confirm_at = None
            sites = self.unconfirmed
            self._start(lambda: self.ops.confirm(self.clock, sites), sites)

    def join(self, timeout: float) -> bool:
        """Wait up to `timeout` for the thread in flight; False when it is still running."""
        if self.thread is not None and self.thread.is_alive():
            self.thread.join(timeout)
            return not self.thread.is_alive()
        return True

    def _start(self, work: Callable[[], RoundOutcome], confirming: list[str] | None) -> None:
        self.outcome, self.confirming = None, confirming

        def run() -> None:
            started = time.monotonic()
            self.outcome = work()
            self.seconds = time.monotonic() - started

        self.thread = threading.Thread(target=run, name="round", daemon=True)
        self.thread.start()
