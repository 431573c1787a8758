"""Time comes in from here: a clock is a callable returning an aware UTC datetime."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import humanize

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


def age(delta: timedelta) -> str:
    """A person's reading of an age: "3 hours", "12 minutes", "in the future"."""
    if delta < timedelta(0):
        return "in " + humanize.naturaldelta(-delta)
    return humanize.naturaldelta(delta)


class ManualClock:
    """A clock that moves only when told: for tests and benchmarks."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def age_short(delta: timedelta) -> str:
    """A compact age for tables, to the minute: "45s", "58m", "3h10m", "2d03h"."""
    seconds = int(delta.total_seconds())
    if seconds < 0:
        return "future"
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"
