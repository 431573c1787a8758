"""What the ticket view shows, read from the files: fields, warnings, thread, body."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tui.base.clock import iso
from tui.base.durations import ago
from tui.base.sanitize import redact_url, shorten
from tui.bus.scanner import BusSnapshot, find_archived, is_stale, thread_of
from tui.bus.tickets import Malformed, Ticket, read_body, read_ticket
from tui.ops.deliveries import Delivery
from tui.view.deliveries import delivery_line

BODY_CHARS = 16_000  # Markdown rendering grows faster than the text: show a bounded part
# What the view draws is a widget or more per paragraph, heading, list item and table row, and a
# highlighted line per line of code: a 1 MB ticket's first 16,000 characters as one table took
# 2.3 s to open, as one code block 1.8 s. The body is cut where it would cost more than this many
# paragraphs' worth (a list item counts as one, a table row one a cell, ten lines of code one).
BODY_COST = 100
CODE_LINES_PER_UNIT = 10
_LIST_ITEM = re.compile(r"([-*+]|\d{1,9}[.)])\s")
_FENCE = re.compile(r"(`{3,}|~{3,})")


def _fence(text: str) -> str | None:
    """The run of backticks or tildes a stripped line opens a code block with, if it does."""
    found = _FENCE.match(text)
    return found.group(1) if found else None


def _closes(text: str, fence: str) -> bool:
    """Whether a stripped line closes the block `fence` opened (as long a run, nothing else)."""
    return text.startswith(fence) and not text.strip(fence[0])


def _shown(body: str) -> tuple[str, int, str | None]:
    """The part of `body` shown, where it ends in `body`, and the fence left open there.

    Code blocks with no language named are marked plain text: guessing one runs every lexer
    Pygments has over the code (0.8 s for a thousand lines), and a log is no language.
    """
    kept: list[str] = []
    cost, at, fence, after_blank = 0.0, 0, None, True
    for line in body.splitlines(keepends=True):
        text, shown, open_before = line.strip(), line, fence
        if fence is not None:
            cost += 1 / CODE_LINES_PER_UNIT
            if _closes(text, fence):
                fence = None
        elif (opened := _fence(text)) is not None:
            fence, cost = opened, cost + 1
            if text == opened:
                end = len(line.rstrip("\r\n"))
                shown = line[:end] + "text" + line[end:]
        elif text.startswith("|"):  # a table: a widget per cell
            cost += max(text.count("|") - 1, 1)
        elif _LIST_ITEM.match(text) or (text and after_blank):
            cost += 1
        after_blank = not text
        if cost > BODY_COST or at + len(line) > BODY_CHARS:
            if not at:  # the first line alone is over: as much of it as the characters allow
                cut = min(len(line), BODY_CHARS)
                return body[:cut], cut, None
            return "".join(kept), at, open_before
        kept.append(shown)
        at += len(line)
    return "".join(kept), len(body), None


def bounded_body(body: str, path: str) -> str:
    """The part of a body the view renders as Markdown, and a line saying where the rest is."""
    shown, cut, fence = _shown(body)
    if cut >= len(body):
        return shown
    rest = body[cut:]
    lines = rest.count("\n") + 1
    return (
        shown.rstrip()
        + (f"\n{fence}" if fence else "")
        + f"\n\n---\n\n*The rest of this body ({len(rest):,} characters, {lines:,} lines) is not "
        f"shown here: read it in `{path}`.*\n"
    )


@dataclass(frozen=True)
class ThreadLine:
    key: str  # path of the ticket to open, or "" when it cannot be opened
    relation: str  # "answers" or "answered by"
    ticket_id: str
    status: str
    where: str
    subject: str


@dataclass(frozen=True)
class TicketDetail:
    path: str
    title: str
    fields: tuple[tuple[str, str], ...]
    warnings: tuple[str, ...]
    stale: bool
    thread: tuple[ThreadLine, ...]
    body: str
    acknowledged: bool = False  # stale, and a person acknowledged it


def build_detail(
    root: Path,
    path: str,
    bus: BusSnapshot | None,
    now: datetime,
    stale_after: timedelta,
    acked: set[str],
    delivery: Delivery | None = None,
) -> TicketDetail:
    """Everything the ticket view shows, read from the files (in a worker thread)."""
    ticket = next((t for t in bus.tickets if t.path == path), None) if bus else None
    bad = next((m for m in bus.malformed if m.path == path), None) if bus else None
    file = root / path
    if ticket is None and bad is None and str(path).startswith("tickets/archive/"):
        read = read_ticket(root, file, "archive")  # an archived ticket, opened from a list
        ticket = read if isinstance(read, Ticket) else None
    if ticket is None:
        body = read_body(root, file)
        raw = "".join(
            body[:BODY_CHARS].splitlines(keepends=True)[: BODY_COST * CODE_LINES_PER_UNIT]
        )
        reason = bad.reason if isinstance(bad, Malformed) else "no longer in an inbox"
        return TicketDetail(
            path=path,
            title=f"{path}: not a readable ticket",
            fields=(("path", path), ("reason", reason)),
            warnings=(),
            stale=False,
            thread=(),
            body="```text\n"
            + raw.replace("```", "ʼʼʼ")
            + "\n```"
            + (
                f"\n\n*{len(body) - len(raw):,} more characters in `{path}`.*"
                if raw != body
                else ""
            ),
        )
    fields = [
        ("id", ticket.id),
        ("from → to", f"{ticket.shown_sender} → {ticket.to}"),
        ("inbox", ticket.role),
        ("priority", ticket.priority),
        ("status", ticket.status.replace("_", " ")),
        (
            "created",
            f"{iso(ticket.created)} ({ago(now - ticket.created)})"
            + (" (file time: no created key)" if ticket.created_from_mtime else ""),
        ),
        ("deliverable", ticket.deliverable or "—"),
    ]
    if ticket.project:
        fields.append(("project", ticket.project))
    if ticket.in_reply_to:
        fields.append(("in reply to", ticket.in_reply_to))
    if ticket.verify:
        shown = {k: redact_url(v) if k == "url" else v for k, v in ticket.verify.items()}
        fields.append(("verify", " ".join(f"{k}={v}" for k, v in shown.items())))
    if delivery is not None:  # right under the status: "done", and whether it is live
        fields.insert(5, ("live?", delivery_line(delivery)))
    for key, value in ticket.extra.items():
        fields.append((key, shorten(str(value), 300)))
    fields.append(("file", ticket.path))
    stale = is_stale(ticket, now, stale_after)
    warnings = list(ticket.warnings)
    if ticket.created - now > timedelta(minutes=1):
        warnings.append("created is in the future (clock skew?)")
    if stale and ticket.id in acked:
        warnings.append("stale, acknowledged: no more reminders")
    if delivery is not None and delivery.ok is False:
        warnings.append(f"marked done, NOT LIVE: {delivery.shown_url} {delivery.detail}")
    thread: list[ThreadLine] = []
    if bus is not None:
        parent, replies = thread_of(ticket, bus.tickets)
        if ticket.in_reply_to and parent is None:
            archived = find_archived(root / "tickets" / "archive", ticket.in_reply_to)
            if archived is not None:
                found = read_ticket(root, archived, "archive")
                if isinstance(found, Ticket):
                    thread.append(
                        ThreadLine("", "answers", found.id, found.status, "archive", found.subject)
                    )
            if not thread:
                thread.append(ThreadLine("", "answers", ticket.in_reply_to, "?", "not found", ""))
        elif parent is not None:
            thread.append(
                ThreadLine(
                    parent.path,
                    "answers",
                    parent.id,
                    parent.status,
                    f"to_{parent.role}",
                    parent.subject,
                )
            )
        for reply in replies:
            thread.append(
                ThreadLine(
                    reply.path,
                    "answered by",
                    reply.id,
                    reply.status,
                    f"to_{reply.role}",
                    reply.subject,
                )
            )
    return TicketDetail(
        path=path,
        title=f"{ticket.id} · {ticket.subject}",
        fields=tuple(fields),
        warnings=tuple(warnings),
        stale=stale and ticket.id not in acked,
        acknowledged=stale and ticket.id in acked,
        thread=tuple(thread),
        body=bounded_body(read_body(root, file), path),
    )
