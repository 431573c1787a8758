"""What the inbox pane shows, as plain values: one row per role, one row per ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tui.base.durations import format_duration
from tui.base.sanitize import shorten
from tui.bus.filter import Filter, grade_key, matches, sort_order
from tui.bus.scanner import BusSnapshot, is_future, is_stale, sort_key, summarize

STATUS_LABELS = {
    "open": "open",
    "done": "done",
    "rejected": "rejected",
    "needs_clarification": "clarify?",
    "blocked": "blocked",
}
MAX_ROWS = 1000


@dataclass(frozen=True)
class RoleRow:
    role: str
    tickets: int
    responses: int
    stale: int
    malformed: int
    oldest: str
    missing: bool


@dataclass(frozen=True)
class TicketRow:
    key: str  # the file's path: unique and stable
    ticket_id: str
    priority: str
    status: str
    mark: str  # "stale", "acked", "skew", "malformed", "notlive", "warn" or ""
    sender: str
    subject: str
    age: str
    marked: bool = False  # chosen with space, for x (archive)


def role_rows(bus: BusSnapshot, now: datetime, stale_after: timedelta) -> list[RoleRow]:
    return [
        RoleRow(
            role=row.role,
            tickets=row.tickets,
            responses=row.responses,
            stale=row.stale,
            malformed=row.malformed,
            oldest=format_duration(now - row.oldest) if row.oldest else "—",
            missing=not row.exists,
        )
        for row in summarize(bus, now, stale_after)
    ]


def inboxes_title(bus: BusSnapshot, now: datetime) -> str:
    """The inbox pane's title: archived, and the responses waiting with the oldest one's age
    (reading and archiving them is how 124 unread responses become 0)."""
    responses = [t.created for t in bus.tickets if t.is_response]
    archived = f"{bus.archived:,} archived"
    if not responses:
        return f"Inboxes · {archived}"
    oldest = format_duration(now - min(responses)) if min(responses) < now else "0s"
    return f"Inboxes · {len(responses)}↩ oldest {oldest} · {archived}"  # cut from the right


def ticket_rows(
    bus: BusSnapshot,
    role: str | None,
    now: datetime,
    stale_after: timedelta,
    acked: set[str],
    spec: Filter,
    not_live: frozenset[str] | set[str] = frozenset(),
    marked: frozenset[str] | set[str] = frozenset(),
) -> tuple[list[TicketRow], int]:
    """Rows for one role (or every role with None), filtered, sorted; and how many matched."""
    rows = []
    chosen = [t for t in bus.tickets if role is None or t.role == role]
    order = sort_order(spec)
    ranked = sorted(chosen, key=sort_key)
    if order is not None:  # stable: equal grades keep the priority and age order
        ranked.sort(key=lambda t: grade_key(t, order))
    for ticket in ranked:
        stale = is_stale(ticket, now, stale_after)
        if not spec.empty and not matches(ticket, spec, stale):
            continue
        if stale:
            mark = "acked" if ticket.id in acked else "stale"
        elif is_future(ticket, now):
            mark = "skew"
        elif ticket.path in not_live:
            mark = "notlive"
        elif ticket.warnings:
            mark = "warn"
        else:
            mark = ""
        status = "STALE" if stale else STATUS_LABELS[ticket.status]
        if mark == "notlive":
            status = "done ✘"
        if ticket.is_response:
            status = "↩ " + status
        rows.append(
            TicketRow(
                key=ticket.path,
                ticket_id=ticket.id,
                priority=ticket.priority,
                status=status,
                mark=mark,
                sender=ticket.shown_sender,
                subject=shorten(ticket.subject, 200),
                age="future" if ticket.created > now else format_duration(now - ticket.created),
                marked=ticket.path in marked,
            )
        )
    if spec.empty or any(word in "malformed broken" for word in spec.words):
        for bad in bus.malformed:
            if role is None or bad.role == role:
                rows.append(
                    TicketRow(
                        bad.path,
                        bad.path.rsplit("/", 1)[-1],
                        "!!",
                        "BROKEN",
                        "malformed",
                        "?",
                        shorten(bad.reason, 200),
                        "",
                    )
                )
    return rows[:MAX_ROWS], len(rows)
