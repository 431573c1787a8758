"""What a new ticket or a reply says: its id, its header, its text checked (one line where one line
is asked, within the reader's size limit, a role that names a folder), rendered as Markdown with
front matter. Writing it safely into the bus is `tui.bus.writing`'s."""

from __future__ import annotations

import secrets
from datetime import datetime

from tui.base.clock import iso
from tui.base.config import ROLE_PATTERN
from tui.bus.tickets import MAX_SIZE, Ticket

STATUSES = ("done", "rejected", "needs_clarification", "blocked")
ANSWER = "answer"  # a plain answer: a response with status open that keeps the thread open
PRIORITIES = ("P0", "P1", "P2", "P3")
MAX_BODY = MAX_SIZE - 16 * 1024  # the reader's own limit, less room for the header


class BadInput(ValueError):
    """What was given cannot make a ticket (a usage error: nothing written); worded for a person."""


def new_id(now: datetime) -> str:
    """A fresh id, short enough for the id column (`O-3f2a9c`: the owner's, 16.7 million of
    them). Its file is linked into place without replacing one, so a clash is refused, not lost."""
    return f"O-{secrets.token_hex(3)}"


def check_text(what: str, value: str, *, one_line: bool = False, limit: int = MAX_BODY) -> str:
    """`value` if it can go into a ticket, else BadInput naming `what` and why."""
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise BadInput(f"{what}: not UTF-8 text") from None
    if "\0" in value:
        raise BadInput(f"{what}: contains a NUL character")
    if size > limit:
        raise BadInput(f"{what}: {size:,} bytes, at most {limit:,}")
    if one_line and any(c in value for c in "\n\r"):
        raise BadInput(f"{what}: one line expected")
    return value


def check_role(what: str, value: str | None) -> str:
    if not value or not ROLE_PATTERN.match(value):
        raise BadInput(f"{what} {value!r}: a role name of [a-z0-9][a-z0-9_-]*")
    return value


def render(header: dict[str, str], body: str) -> str:
    """A ticket file: YAML front matter (every value a string) and the Markdown body."""
    import yaml  # loaded with the first ticket written, not at every start

    front = yaml.safe_dump(
        header, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000
    )
    text = body if body.endswith("\n") or not body else body + "\n"
    return f"---\n{front}---\n{text}"


def reply_header(
    ticket: Ticket, status: str, sender: str, now: datetime, ticket_id: str
) -> dict[str, str]:
    """The front matter of a response to `ticket` (also the form's preview)."""
    header = {
        "id": ticket_id,
        "from": sender,
        "to": ticket.sender,
        "priority": ticket.priority,
        "subject": f"Re: {ticket.subject}"[:300],
        "created": iso(now) or "",
        "status": "open" if status == ANSWER else status,
        "in_reply_to": ticket.id,
    }
    if ticket.project:
        header["project"] = ticket.project
    return header


def new_header(
    to: str,
    subject: str,
    sender: str,
    now: datetime,
    ticket_id: str,
    priority: str = "P2",
    deliverable: str | None = None,
    verify: str | None = None,
) -> dict[str, str]:
    """The front matter of a new ticket (also the form's preview)."""
    header = {
        "id": ticket_id,
        "from": sender,
        "to": to,
        "priority": priority,
        "subject": subject,
        "created": iso(now) or "",
        "status": "open",
    }
    if deliverable:
        header["deliverable"] = deliverable
    if verify:
        header["verify"] = verify
    return header
