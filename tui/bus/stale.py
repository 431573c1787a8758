"""When stale clarifications are announced: as they turn stale, 5 minutes later, then every 15.

`StaleWatch.step` is the whole rule, a function of the tickets, the acknowledgements and now:
which tickets are due an announcement, and when to look again (the moment the next ticket turns
stale or the next reminder is due), so that no file change is needed to raise one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tui.base.ladder import STALE_LADDER, Announcer
from tui.bus.scanner import stale_tickets
from tui.bus.tickets import Ticket


@dataclass
class StaleWatch:
    stale_after: timedelta
    announcer: Announcer = field(default_factory=lambda: Announcer(STALE_LADDER))

    def step(
        self, tickets: Iterable[Ticket], acked: set[str], now: datetime
    ) -> tuple[list[Ticket], datetime | None]:
        """(tickets due an announcement now, the next moment something is due or None)."""
        tickets = list(tickets)
        starts = {
            t.id: (t.created + self.stale_after, t)
            for t in stale_tickets(tickets, now, self.stale_after)
            if t.id not in acked
        }
        due = self.announcer.due({key: start for key, (start, _) in starts.items()}, now)
        moments = [
            t.created + self.stale_after
            for t in tickets
            if t.status == "needs_clarification" and t.created + self.stale_after > now
        ]
        upcoming = self.announcer.next_due({key: start for key, (start, _) in starts.items()})
        if upcoming is not None:
            moments.append(upcoming)
        return [starts[str(key)][1] for key in due], min(moments, default=None)
