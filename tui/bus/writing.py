"""Writing to the ticket bus as the owner: a reply, an archive move, a new ticket, an undo.

Nothing lost, nothing doubled, nothing half-written, nothing outside the state folder:
- every folder is opened under the state root one name at a time without following a link
  (`tui.base.confined`): an inbox, an archive month or `.room` that is a link is refused;
- every new file is written under a temp name readers ignore (`.<name>.<rand>.tmp`), flushed to
  disk, then *linked* into place, which fails rather than replace an existing file;
- a move is one renameat2(RENAME_NOREPLACE): a ticket is in exactly one place, whoever renames it
  at the same moment, and a file is never replaced;
- who acts on a ticket first holds a lock on its file (flock): twenty `reply` of one ticket at once
  write one response, and the others find the ticket gone and write nothing;
- before acting, the file is checked against the version the person saw (inode, size,
  modification time): if an agent moved or rewrote it meanwhile, nothing is written (`Refused`);
- a closing reply's id is derived from the ticket, its file and the status, so a retry after a
  reply cut short (the response written, the archive move refused) finds that response and
  finishes the move instead of writing a second one.

Ticket text written here is the owner's; the header is written by PyYAML, and the whole file is
read back by the bus's own reader before it is written: what it would call malformed is refused.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tui.base import confined
from tui.base.config import ROLE_PATTERN
from tui.bus.composing import (
    ANSWER,
    PRIORITIES,
    STATUSES,
    BadInput,
    check_role,
    check_text,
    new_header,
    new_id,
    render,
    reply_header,
)
from tui.bus.tickets import MAX_SIZE, Malformed, Ticket, parse_ticket

LOCK_WAIT = 5.0  # seconds to wait for another writer acting on the same ticket


class Refused(Exception):
    """The action was not carried out, and nothing was written; worded for a person."""


class HalfDone(Refused):
    """A reply whose response is written but whose ticket could not be archived: `path` says what
    was written; the same reply again finds it and finishes the move."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


Version = tuple[int, int, int]  # (inode, size, mtime_ns)


def version_of(path: Path) -> Version | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def _checked(text: str, role: str, ticket_id: str) -> bytes:
    """The file's bytes, once the bus's reader reads them as a ticket."""
    data = check_text("the ticket", text, limit=MAX_SIZE).encode("utf-8")
    parsed = parse_ticket(data, rel=f"{ticket_id}.md", role=role, stem=ticket_id, mtime=0.0)
    if isinstance(parsed, Malformed):
        raise BadInput(f"it would be read as a malformed ticket: {parsed.reason}")
    return data


def _write(root: Path, folder: str, name: str, data: bytes) -> None:
    """A new file `folder/name` under the root, never replacing one (FileExistsError)."""
    try:
        with confined.folder(root, folder) as fd:
            confined.write_new(fd, name, data)
    except FileExistsError:
        raise
    except confined.Outside as exc:
        raise Refused(str(exc)) from None
    except OSError as exc:
        raise Refused(f"cannot write {name}: {exc.strerror or exc}") from None


def _where(ticket: Ticket) -> tuple[str, str]:
    folder, _, name = (ticket.file or ticket.path).rpartition("/")
    return folder, name


def _lock(fd: int) -> None:
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise Refused("another writer is acting on this ticket: try again") from None
            time.sleep(0.01)


@contextlib.contextmanager
def _held(root: Path, ticket: Ticket, seen: Version | None) -> Iterator[tuple[int, str, Version]]:
    """The ticket's folder (opened confined) and its file locked, once it is still the one seen:
    callers acting on one ticket go one at a time."""
    folder, name = _where(ticket)
    moved = Refused(f"{ticket.id} is no longer at {ticket.path}: it moved meanwhile")
    try:
        with confined.folder(root, folder, create=False) as dir_fd:
            try:
                fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
            except FileNotFoundError:
                raise moved from None
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise Refused(f"{ticket.path} is a link: not acted on") from None
                raise Refused(f"cannot open {ticket.path}: {exc.strerror or exc}") from None
            try:
                _lock(fd)
                try:
                    info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
                except FileNotFoundError:
                    raise moved from None
                if info.st_ino != os.fstat(fd).st_ino:
                    raise moved
                version = (info.st_ino, info.st_size, info.st_mtime_ns)
                if seen is not None and version != seen:
                    raise Refused(f"{ticket.id} changed on disk since it was read: nothing written")
                yield dir_fd, name, version
            finally:
                os.close(fd)
    except FileNotFoundError:
        raise moved from None
    except confined.Outside as exc:
        raise Refused(str(exc)) from None


def archive_folder(root: Path, now: datetime) -> Path:
    return root / "tickets" / "archive" / f"{now:%Y-%m}"


@dataclass(frozen=True)
class Archived:
    """One archive move, enough to undo it: where it was, where it went, the file's version."""

    ticket: str
    source: Path
    target: Path
    version: Version | None
    root: Path | None = None


def _move(root: Path, source: tuple[int, str, str], folder: str, ticket_id: str) -> Path:
    """Move `source` (its folder's fd, its name, how to say it) into `folder` under the root."""
    src_fd, name, said = source
    try:
        with confined.folder(root, folder) as dst_fd:
            confined.move(src_fd, name, dst_fd, name)
    except FileExistsError:
        where = "the archive" if folder.startswith("tickets/archive/") else f"{folder}/"
        raise Refused(f"{name} already exists in {where}: not overwritten") from None
    except FileNotFoundError:
        raise Refused(f"{ticket_id} is no longer at {said}: it moved meanwhile") from None
    except confined.Outside as exc:
        raise Refused(str(exc)) from None
    except OSError as exc:
        raise Refused(f"cannot move {said}: {exc.strerror or exc}") from None
    return root / folder / name


def archive(root: Path, ticket: Ticket, now: datetime, seen: Version | None = None) -> Archived:
    """Move a ticket into `tickets/archive/<YYYY-MM>/`, as agents do."""
    with _held(root, ticket, seen) as (dir_fd, name, _):
        return _archive_held(root, ticket, dir_fd, name, now)


def _archive_held(root: Path, ticket: Ticket, dir_fd: int, name: str, now: datetime) -> Archived:
    folder, _ = _where(ticket)
    month = f"tickets/archive/{now:%Y-%m}"
    target = _move(root, (dir_fd, name, ticket.path), month, ticket.id)
    return Archived(ticket.id, root / folder / name, target, version_of(target), root)


def undo(archived: Archived) -> None:
    """Put an archived ticket back where it was, if it has not changed since it was moved."""
    current = version_of(archived.target)
    if current is None:
        raise Refused(f"{archived.ticket} is no longer in the archive: nothing to undo")
    if archived.version is not None and current != archived.version:
        raise Refused(f"{archived.ticket} changed in the archive since: not moved back")
    root = archived.root or archived.source.parents[2]
    back = archived.source.parent.relative_to(root).as_posix()
    month = archived.target.parent.relative_to(root).as_posix()
    try:
        with confined.folder(root, month, create=False) as month_fd:
            _move(root, (month_fd, archived.target.name, archived.ticket), back, archived.ticket)
    except confined.Outside as exc:
        raise Refused(str(exc)) from None
    except FileNotFoundError:
        raise Refused(f"{archived.ticket} is no longer in the archive: nothing to undo") from None


@dataclass(frozen=True)
class Reply:
    path: Path  # the response written (or found, written by a reply cut short before)
    archived: Archived | None  # the answered ticket, unless kept
    found: bool = False  # the response was there already: this reply finished the move


def reply_id(ticket: Ticket, version: Version, status: str) -> str:
    """A closing reply's id, the same for the same ticket file and status: a retry finds it."""
    seed = f"{ticket.id}\0{version[0]}\0{status}".encode()
    return f"O-{hashlib.sha256(seed).hexdigest()[:6]}"


def _answers(root: Path, folder: str, name: str, ticket: Ticket, status: str) -> bool:
    """Whether `folder/name` is a response to `ticket` with `status` (a reply cut short)."""
    from tui.base.paths import read_file

    try:
        data = read_file(root / folder / name, MAX_SIZE)
    except (OSError, ValueError):
        return False
    parsed = parse_ticket(data, rel=name, role="", stem=name[:-3], mtime=0.0)
    wanted = "open" if status == ANSWER else status
    return (
        isinstance(parsed, Ticket) and parsed.in_reply_to == ticket.id and parsed.status == wanted
    )


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
    """A response ticket in the sender's inbox, then (unless `keep`) the answered one archived.

    BadInput for what cannot make a ticket, Refused when nothing was written, HalfDone when the
    response is written but the ticket could not be archived."""
    if status not in (*STATUSES, ANSWER):
        raise BadInput(f"unknown status {status!r}")
    check_role("--from", sender)
    check_text("the body", body)
    if not ROLE_PATTERN.match(ticket.sender or ""):
        raise Refused(f"{ticket.id} names no sender to answer (from: {ticket.sender!r} is no role)")
    inbox = f"tickets/to_{ticket.sender}"
    with _held(root, ticket, seen) as (dir_fd, name, version):
        response_id = new_id(now) if keep else reply_id(ticket, version, status)
        found = False
        for attempt in range(3):
            header = reply_header(ticket, status, sender, now, response_id)
            data = _checked(render(header, body), ticket.sender, response_id)
            try:
                _write(root, inbox, f"{response_id}.md", data)
                break
            except FileExistsError:
                if (
                    not keep
                    and attempt == 0
                    and _answers(root, inbox, f"{response_id}.md", ticket, status)
                ):
                    found = True
                    break
                response_id = new_id(now)  # an id taken by another ticket: another name
        else:
            raise Refused(f"no free file name in {inbox}/")
        path = root / inbox / f"{response_id}.md"
        archived = None
        if not keep:
            try:
                archived = _archive_held(root, ticket, dir_fd, name, now)
            except Refused as exc:
                said = f"{inbox}/{response_id}.md"
                verb = "was written before" if found else "is written"
                raise HalfDone(
                    f"the reply {verb} ({said}), but {exc}; the same reply again finishes it",
                    path,
                ) from None
    return Reply(path, archived, found)


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
    """A new ticket in `tickets/to_<to>/`; BadInput for what cannot make a ticket."""
    check_role("--to", to)
    check_role("--from", sender)
    check_text("--subject", subject, one_line=True, limit=1000)
    if not subject.strip():
        raise BadInput("--subject: empty")
    if deliverable is not None:
        check_text("--deliverable", deliverable, one_line=True, limit=4000)
    check_text("the body", body)
    if priority not in PRIORITIES:
        raise BadInput(f"--priority {priority!r}: one of {', '.join(PRIORITIES)}")
    for _ in range(5):
        ticket_id = new_id(now)
        header = new_header(to, subject, sender, now, ticket_id, priority, deliverable, verify)
        data = _checked(render(header, body or f"# {subject}\n"), to, ticket_id)
        try:
            _write(root, f"tickets/to_{to}", f"{ticket_id}.md", data)
        except FileExistsError:
            continue
        return root / "tickets" / f"to_{to}" / f"{ticket_id}.md"
    raise Refused(f"no free file name in tickets/to_{to}/")
