"""Time comes in from here: a clock is a callable returning an aware UTC datetime."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 UTC with `Z`, to the second."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class ManualClock:
    """A clock that moves only when told: for tests and benchmarks."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def scaled_clock(scale: float) -> Callable[[], datetime]:
    """A clock that runs `scale` times faster than the wall clock from now on (drills, tests)."""
    if scale == 1:
        return system_clock
    start, base = time.monotonic(), system_clock()
    return lambda: base + timedelta(seconds=(time.monotonic() - start) * scale)
