"""Planned work: maintenance windows from `[[maintenance]]` and from tickets (SPEC section 7).

A window covers some sites (or every one, "*") from a start to an end. A ticket opens one with
`maintenance: {sites, from, until}` in its front matter; that window ends early when the ticket is
answered done (a response with `in_reply_to` and status done) or leaves the inboxes (archived).
During a window probes still run and are shown, but their bad events are not counted against
the SLOs (they are kept apart), no incident opens and nothing pages for the covered sites.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tui.base.clock import iso
from tui.base.config import Config, Maintenance
from tui.bus.tickets import Ticket, maintenance_of

WARN_BEFORE = timedelta(minutes=10)  # a window this close to its end, its site failing: said
LOOK = timedelta(days=8)  # weekly slots are expanded this far around now


@dataclass(frozen=True)
class Window:
    sites: tuple[str, ...]  # "*": every site
    start: datetime
    end: datetime
    source: str  # "config" or the ticket's id
    reason: str = ""

    def covers(self, site: str | None, at: datetime) -> bool:
        """Whether a result of `site` at `at` falls in it (platform-wide checks never do)."""
        if site is None or not self.start <= at < self.end:
            return False
        return "*" in self.sites or site in self.sites

    def active(self, now: datetime) -> bool:
        return self.start <= now < self.end

    def words(self) -> str:
        """`memorial-b until 14:30Z (T-0150)`."""
        sites = "every site" if "*" in self.sites else ", ".join(self.sites)
        source = "" if self.source == "config" else f" ({self.source})"
        return f"{sites} until {self.end:%H:%M}Z{source}"

    def to_json(self, now: datetime) -> dict[str, Any]:
        return {
            "sites": list(self.sites),
            "from": iso(self.start),
            "until": iso(self.end),
            "source": self.source,
            "reason": self.reason,
            "active": self.active(now),
        }


def from_config(entry: Maintenance, now: datetime) -> list[Window]:
    """A one-off window, or the weekly slot's occurrences from a week before `now` to one after
    (each start is the local wall time in its zone: a daylight-saving change moves it in UTC)."""
    if entry.start is not None:
        return [
            Window(entry.sites, entry.start, entry.start + entry.duration, "config", entry.reason)
        ]
    if entry.at is None:
        return []
    from zoneinfo import ZoneInfo  # only a recurring window needs a time zone

    zone = ZoneInfo(entry.timezone)
    local = now.astimezone(zone)
    found = []
    for offset in range(-LOOK.days, LOOK.days + 1):
        day = (local + timedelta(days=offset)).date()
        if day.weekday() not in entry.every:
            continue
        start = datetime(day.year, day.month, day.day, *entry.at, tzinfo=zone).astimezone(UTC)
        found.append(Window(entry.sites, start, start + entry.duration, "config", entry.reason))
    return found


def from_tickets(tickets: Iterable[Ticket]) -> list[Window]:
    """Windows that tickets in the inboxes open; one answered done is over (its end is cut to the
    answer's time, so what was counted stays so)."""
    tickets = list(tickets)
    done: dict[str, datetime] = {}
    for ticket in tickets:
        if ticket.in_reply_to and ticket.status == "done":
            earlier = done.get(ticket.in_reply_to)
            done[ticket.in_reply_to] = min(ticket.created, earlier or ticket.created)
    windows = []
    for ticket in tickets:
        spec = ticket.extra.get("maintenance")
        if not isinstance(spec, dict):
            continue
        window = _ticket_window(ticket, spec)
        if window is None:
            continue
        answered = done.get(ticket.id)
        if answered is not None:
            window = Window(
                window.sites, window.start, min(window.end, answered), ticket.id, window.reason
            )
        windows.append(window)
    return windows


def _ticket_window(ticket: Ticket, spec: dict[str, Any]) -> Window | None:
    found = maintenance_of(spec)  # the ticket carries a warning when it is not a window
    if isinstance(found, str):
        return None
    sites, start, end = found
    if end - start > timedelta(days=7):  # a window is planned work, not a way to mute a site
        end = start + timedelta(days=7)
    return Window(sites, start, end, ticket.id, ticket.subject)


def windows(config: Config, tickets: Iterable[Ticket], now: datetime) -> list[Window]:
    """Every window that matters around `now`: config's and the tickets', by start."""
    found = [w for entry in config.maintenance for w in from_config(entry, now)]
    found += from_tickets(tickets)
    return sorted(found, key=lambda w: (w.start, w.source))


def relevant(found: Sequence[Window], now: datetime) -> list[Window]:
    """The windows to show: active now, or starting within a day."""
    return [w for w in found if w.end > now and w.start < now + timedelta(days=1)]


def covering(found: Sequence[Window], site: str | None, at: datetime) -> Window | None:
    return next((w for w in found if w.covers(site, at)), None)
