"""What changed before it broke: tickets marked done shortly before a site's first bad probe.

A ticket is about a site when its `project` is the site's name or the site's `[[sites]] project`,
or when its subject names the site (a whole word). It is a suspect of an incident when it was
marked done (a `done` status, dated by its `created`) within `[incidents] suspect_window` before
the incident's first bad probe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from tui.base.clock import iso
from tui.base.config import Config
from tui.bus.tickets import Ticket

MAX_SUSPECTS = 5


def about(ticket: Ticket, site: str, project: str | None) -> bool:
    if ticket.project and ticket.project in (site, project):
        return True
    return re.search(rf"(?<![\w-]){re.escape(site)}(?![\w-])", ticket.subject) is not None


def suspects(
    site: str | None, first_bad: datetime, tickets: Iterable[Ticket], config: Config
) -> list[dict[str, Any]]:
    """The done tickets about `site` within the window before `first_bad`, nearest first."""
    if site is None:
        return []
    project = next((s.project for s in config.sites if s.name == site), None)
    window = config.suspect_window
    found = []
    for ticket in tickets:
        before = first_bad - ticket.created
        if ticket.status != "done" or not timedelta(0) <= before <= window:
            continue
        if about(ticket, site, project):
            found.append((before, ticket))
    found.sort(key=lambda pair: pair[0])
    return [
        {
            "ticket": ticket.id,
            "role": ticket.sender,
            "subject": ticket.subject,
            "done_at": iso(ticket.created),
            "before_s": int(before.total_seconds()),
        }
        for before, ticket in found[:MAX_SUSPECTS]
    ]


def words(suspect: dict[str, Any]) -> str:
    """`T-0136 pm-memorial-b "deploy the gallery" done 14 min before`."""
    minutes = suspect["before_s"] // 60
    return f'{suspect["ticket"]} {suspect["role"]} "{suspect["subject"]}" done {minutes} min before'
