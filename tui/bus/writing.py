"""Writing to the ticket bus as the owner: a reply, an archive move, a new ticket, an undo.

Nothing lost, nothing doubled, nothing half-written:
- every new file is written under a temp name readers ignore (`.<name>.<rand>.tmp`), flushed to
  disk, then *linked* into place, which fails rather than replace an existing file; the folder is
  synced after;
- a move into the archive is a link then an unlink of the original, so it never replaces a file
  either, and a reader sees the ticket in one place or the other (briefly both), never none;
- before acting on a ticket, its file is checked against the version the person saw (inode, size,
  modification time): if an agent moved or rewrote it meanwhile, nothing is written and the action
  says so (`Refused`).

Ticket text written here is the owner's; the header is written by PyYAML, so any text is quoted
as YAML needs and reads back as the same strings.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from tui.base.clock import iso
from tui.base.config import ROLE_PATTERN
from tui.base.paths import write_atomic
from tui.bus.tickets import Ticket

STATUSES = ("done", "rejected", "needs_clarification", "blocked")
ANSWER = "answer"  # a plain answer: a response with status open that keeps the thread open
PRIORITIES = ("P0", "P1", "P2", "P3")
MAX_BODY = 512 * 1024  # well under the reader's 1 MiB


class Refused(Exception):
    """The action was not carried out, and nothing was written; worded for a person."""


Version = tuple[int, int, int]  # (inode, size, mtime_ns)


def version_of(path: Path) -> Version | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def new_id(now: datetime) -> str:
    """A fresh id, short enough for the id column (`O-3f2a9c`: the owner's, 16.7 million of
    them). Its file is linked into place without replacing one, so a clash is refused, not lost."""
    return f"O-{secrets.token_hex(3)}"


def render(header: dict[str, str], body: str) -> str:
    """A ticket file: YAML front matter (every value a string) and the Markdown body."""
    front = yaml.safe_dump(
        header, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000
    )
    text = body if body.endswith("\n") or not body else body + "\n"
    return f"---\n{front}---\n{text}"


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_new(path: Path, text: str) -> None:
    """Write a new file at `path`, never replacing one (Refused when the name is taken)."""
    if len(text.encode()) > MAX_BODY + 64 * 1024:
        raise Refused("the text is too long for a ticket (at most 512 KiB)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text.encode("utf-8"), overwrite=False)
    except FileExistsError:
        raise Refused(
            f"{path.name} already exists in {path.parent.name}/: not overwritten"
        ) from None
    except OSError as exc:
        raise Refused(f"cannot write {path.name}: {exc.strerror or exc}") from None
    _sync_folder(path.parent)


def _check_unchanged(root: Path, ticket: Ticket, seen: Version | None) -> Path:
    path = root / ticket.path
    now_version = version_of(path)
    if now_version is None:
        raise Refused(f"{ticket.id} is no longer at {ticket.path}: it moved meanwhile")
    if seen is not None and now_version != seen:
        raise Refused(f"{ticket.id} changed on disk since it was read: nothing written")
    return path


def _move(source: Path, target: Path) -> None:
    """Move without ever replacing: link into place, then unlink the source."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(source, target, follow_symlinks=False)
    except FileExistsError:
        raise Refused(f"{target.name} already exists in the archive: not overwritten") from None
    except FileNotFoundError:
        raise Refused(f"{source.name} moved meanwhile") from None
    except OSError as exc:
        raise Refused(f"cannot move {source.name}: {exc.strerror or exc}") from None
    try:
        os.unlink(source)
    except FileNotFoundError:
        pass  # someone else moved it too: it is in the archive once
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(target)
        raise Refused(f"cannot move {source.name}: {exc.strerror or exc}") from None
    _sync_folder(target.parent)
    _sync_folder(source.parent)


def archive_folder(root: Path, now: datetime) -> Path:
    return root / "tickets" / "archive" / f"{now:%Y-%m}"


@dataclass(frozen=True)
class Archived:
    """One archive move, enough to undo it: where it was, where it went, the file's version."""

    ticket: str
    source: Path
    target: Path
    version: Version | None


def archive(root: Path, ticket: Ticket, now: datetime, seen: Version | None = None) -> Archived:
    """Move a ticket into `tickets/archive/<YYYY-MM>/`, as agents do."""
    source = _check_unchanged(root, ticket, seen)
    target = archive_folder(root, now) / source.name
    _move(source, target)
    return Archived(ticket.id, source, target, version_of(target))


def undo(archived: Archived) -> None:
    """Put an archived ticket back where it was, if it has not changed since it was moved."""
    current = version_of(archived.target)
    if current is None:
        raise Refused(f"{archived.ticket} is no longer in the archive: nothing to undo")
    if archived.version is not None and current != archived.version:
        raise Refused(f"{archived.ticket} changed in the archive since: not moved back")
    _move(archived.target, archived.source)


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


@dataclass(frozen=True)
class Reply:
    path: Path  # the response written
    archived: Archived | None  # the answered ticket, unless kept


def reply(
    root: Path,
    ticket: Ticket,
    status: str,
    body: str,
    sender: str,
    now: datetime,
    *,
    keep: bool = False,
    seen: Version | None = None,
) -> Reply:
    """A response ticket in the sender's inbox, then (unless `keep`) the answered one archived."""
    if status not in (*STATUSES, ANSWER):
        raise ValueError(f"unknown status {status!r}")
    if not ROLE_PATTERN.match(ticket.sender or ""):
        raise Refused(f"{ticket.id} names no sender to answer (from: {ticket.sender!r} is no role)")
    _check_unchanged(root, ticket, seen)
    ticket_id = new_id(now)
    header = reply_header(ticket, status, sender, now, ticket_id)
    path = root / "tickets" / f"to_{ticket.sender}" / f"{ticket_id}.md"
    write_new(path, render(header, body))
    archived = None
    if not keep:
        try:
            archived = archive(root, ticket, now)
        except Refused as exc:
            raise Refused(f"the reply is written ({path.name}), but {exc}") from None
    return Reply(path, archived)


def file_ticket(
    root: Path,
    to: str,
    subject: str,
    sender: str,
    now: datetime,
    *,
    priority: str = "P2",
    deliverable: str | None = None,
    verify: str | None = None,
    body: str = "",
) -> Path:
    """A new ticket in `tickets/to_<to>/`."""
    if not ROLE_PATTERN.match(to):
        raise ValueError(f"{to!r} is not a role name ([a-z0-9][a-z0-9_-]*)")
    ticket_id = new_id(now)
    header = new_header(to, subject, sender, now, ticket_id, priority, deliverable, verify)
    path = root / "tickets" / f"to_{to}" / f"{ticket_id}.md"
    write_new(path, render(header, body or f"# {subject}\n"))
    return path
