"""Announcement ladders: when to raise something again while nobody has answered it.

A ladder is three numbers: the first announcement after `first`, the second after `second`, then
one every `every`, without cap. Stale clarifications use (0, 5 min, 15 min) from the moment they
turn stale; open incidents (60 s, 5 min, 15 min) from the moment they open.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Ladder:
    first: timedelta
    second: timedelta
    every: timedelta

    def rung_time(self, start: datetime, rung: int) -> datetime:
        """When announcement number `rung` (0-based) is due."""
        if rung == 0:
            return start + self.first
        return start + self.second + self.every * (rung - 1)

    def rungs_due(self, start: datetime, now: datetime) -> int:
        """How many announcements are due by `now` (0 before the first)."""
        if now < start + self.first:
            return 0
        if now < start + self.second:
            return 1
        return 2 + int((now - start - self.second) / self.every)


STALE_LADDER = Ladder(timedelta(0), timedelta(minutes=5), timedelta(minutes=15))
INCIDENT_LADDER = Ladder(timedelta(seconds=60), timedelta(minutes=5), timedelta(minutes=15))


@dataclass
class Announcer:
    """Remembers which rung each item reached; says which items are due now (at most once each)."""

    ladder: Ladder
    reached: dict[Hashable, int] = field(default_factory=dict)

    def due(self, starts: Mapping[Hashable, datetime], now: datetime) -> list[Hashable]:
        """Items whose next rung has come. Items that left `starts` are forgotten.

        After a long gap (a suspended laptop, a restart) an item is announced once, not once per
        missed rung.
        """
        for key in list(self.reached):
            if key not in starts:
                del self.reached[key]
        result = []
        for key, start in starts.items():
            rungs = self.ladder.rungs_due(start, now)
            if rungs > self.reached.get(key, 0):
                self.reached[key] = rungs
                result.append(key)
        return result

    def next_due(self, starts: Mapping[Hashable, datetime]) -> datetime | None:
        """The earliest moment any item reaches its next rung (to arm a timer)."""
        times = [
            self.ladder.rung_time(start, self.reached.get(key, 0)) for key, start in starts.items()
        ]
        return min(times, default=None)
