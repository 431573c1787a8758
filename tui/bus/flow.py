"""The crew's flow: per role, what waits and how work moves through the bus (SPEC section 7).

Read from the inboxes and the recent archive, by the tickets' own front matter: a ticket *in* for
a role is one addressed to it (`to`, or the inbox it sits in), dated by `created`; a ticket *out*
is a response the role wrote (`from` the role, with `in_reply_to`), dated by its `created`. The
cycle time of a request is from its `created` to its answer's. The last pickup of a role is its
newest answer. The owner's touchpoints are the lines of `.room/actions.jsonl`.

The archive is read in bounded time: the folders of this month and the last one
(`archive/YYYY-MM/`, as the room and the agents file them) and the archive's top, the newest
ARCHIVE_READ files of them by modification time.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tui.base.clock import iso
from tui.base.paths import read_file, room_dir
from tui.bus.scanner import BusSnapshot
from tui.bus.tickets import Ticket, is_ticket_name, read_ticket

DAYS = 7
CYCLE_WINDOW = timedelta(days=30)
ARCHIVE_READ = 1000  # archived tickets read at most, newest first
ANSWERS = ("done", "rejected", "needs_clarification", "blocked")
ACTIONS_READ = 1 << 20  # the last MiB of the audit log
ARCHIVED = "archive"  # the role an archived ticket is read with: its receiver is its `to`


@dataclass
class RoleFlow:
    role: str
    waiting: int = 0
    oldest_s: int | None = None
    last_pickup: datetime | None = None
    in_7d: list[int] = field(default_factory=lambda: [0] * DAYS)
    out_7d: list[int] = field(default_factory=lambda: [0] * DAYS)
    cycles: list[float] = field(default_factory=list)
    answered: Counter[str] = field(default_factory=Counter)

    def percentile(self, share: float) -> int | None:
        if not self.cycles:
            return None
        if len(self.cycles) == 1:
            return int(self.cycles[0])
        import statistics  # its Fractions and Decimals are loaded only when there are cycles

        cuts = statistics.quantiles(sorted(self.cycles), n=100, method="inclusive")
        return int(cuts[int(share * 100) - 1])

    def idle(self, now: datetime, idle_after: timedelta) -> timedelta | None:
        """How long the role has had work waiting with no pickup, when over `idle_after`."""
        if not self.waiting or self.oldest_s is None or self.oldest_s <= idle_after.total_seconds():
            return None
        if self.last_pickup is not None and now - self.last_pickup <= idle_after:
            return None
        since = self.last_pickup or now - timedelta(seconds=self.oldest_s)
        return now - since

    def to_json(self) -> dict[str, Any]:
        return {
            "waiting": self.waiting,
            "oldest_s": self.oldest_s,
            "last_pickup": iso(self.last_pickup),
            "in_7d": self.in_7d,
            "out_7d": self.out_7d,
            "cycle_p50_s": self.percentile(0.50),
            "cycle_p85_s": self.percentile(0.85),
            "answered": {status: self.answered.get(status, 0) for status in ANSWERS},
        }


@dataclass
class Flow:
    roles: dict[str, RoleFlow]
    personas: Counter[str]
    touchpoints_7d: list[int]
    days: list[str]  # the UTC days of the per-day lists, oldest first

    def to_json(self) -> dict[str, Any]:
        return {
            "roles": {role: flow.to_json() for role, flow in sorted(self.roles.items())},
            "personas": dict(sorted(self.personas.items())),
            "touchpoints_7d": self.touchpoints_7d,
            "days": self.days,
        }


def recent_archive(root: Path, now: datetime, limit: int = ARCHIVE_READ) -> list[Ticket]:
    """The newest archived tickets: this month's and last month's folders and the archive's top."""
    archive = root / "tickets" / "archive"
    first = now.replace(day=1)
    months = {f"{now:%Y-%m}", f"{first - timedelta(days=1):%Y-%m}"}
    found: list[tuple[float, str]] = []
    for folder in [archive, *(archive / month for month in sorted(months))]:
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        if is_ticket_name(entry.name) and entry.is_file(follow_symlinks=False):
                            found.append((entry.stat(follow_symlinks=False).st_mtime, entry.path))
                    except OSError:
                        continue
        except OSError:
            continue
    found.sort(reverse=True)
    tickets = []
    for _, path in found[:limit]:
        read = read_ticket(root, path, ARCHIVED)
        if isinstance(read, Ticket):
            tickets.append(read)
    return tickets


def touchpoints(root: Path, days: list[datetime]) -> list[int]:
    """Actions of the owner per day (the room's and the command line's), oldest day first."""
    counts = [0] * len(days)
    try:
        data = read_file(room_dir(root) / "actions.jsonl", 64 << 20)[-ACTIONS_READ:]
    except (OSError, ValueError):
        return counts
    index = {f"{day:%Y-%m-%d}": n for n, day in enumerate(days)}
    for line in data.splitlines():
        try:
            at = json.loads(line).get("at", "")
        except (ValueError, AttributeError):
            continue
        if isinstance(at, str) and at[:10] in index:
            counts[index[at[:10]]] += 1
    return counts


def compute(root: Path, bus: BusSnapshot, now: datetime, archived: list[Ticket]) -> Flow:
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    days = [today - timedelta(days=DAYS - 1 - n) for n in range(DAYS)]
    roles = {role: RoleFlow(role) for role in bus.roles}

    def of(role: str) -> RoleFlow:
        found = roles.get(role)
        return found if found is not None else roles.setdefault(role, RoleFlow(role))

    for ticket in bus.tickets:
        flow = of(ticket.role)
        flow.waiting += 1
        age = int((now - ticket.created).total_seconds())
        flow.oldest_s = max(flow.oldest_s or 0, age)
    seen = {t.path for t in bus.tickets}
    every = [*bus.tickets, *(t for t in archived if t.path not in seen)]
    by_id = {t.id: t for t in every}

    def day_of(moment: datetime) -> int | None:
        offset = (moment - days[0]).days
        return offset if 0 <= offset < DAYS and moment <= now else None

    personas: Counter[str] = Counter()
    for ticket in every:
        if ticket.persona:
            personas[ticket.persona] += 1
        receiver = ticket.to if ticket.role == ARCHIVED else ticket.role
        if receiver != ARCHIVED and (n := day_of(ticket.created)) is not None:
            of(receiver).in_7d[n] += 1
        if not ticket.in_reply_to:
            continue
        sender = of(ticket.sender)
        if (n := day_of(ticket.created)) is not None:
            sender.out_7d[n] += 1
        if ticket.created <= now and (
            sender.last_pickup is None or ticket.created > sender.last_pickup
        ):
            sender.last_pickup = ticket.created
        if now - ticket.created <= CYCLE_WINDOW:
            if ticket.status in ANSWERS:
                sender.answered[ticket.status] += 1
            request = by_id.get(ticket.in_reply_to)
            if request is not None and request.created <= ticket.created:
                sender.cycles.append((ticket.created - request.created).total_seconds())
    return Flow(roles, personas, touchpoints(root, days), [f"{d:%Y-%m-%d}" for d in days])


def flow_of(root: Path, bus: BusSnapshot, now: datetime) -> Flow:
    return compute(root, bus, now, recent_archive(root, now))
