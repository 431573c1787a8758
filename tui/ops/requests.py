"""Requests to the writer: how a room that only reads, or `sisyphus-room ack`/`resolve`, reaches
the one process that writes (a watcher, or the room holding the lock).

Each request is one small JSON file in `.room/requests/`, written under a temp name and linked into
place under a name nobody else can take (time, process, random), so two rooms acknowledging at the
same moment both land. The writer reads them in name order, applies each, and removes it; a request
that does not parse is moved aside to `requests/rejected/` with the reason, never lost silently.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.base import confined
from tui.base.clock import iso, parse_iso
from tui.base.paths import NotAFile, read_file
from tui.base.sanitize import clean

FOLDER = "requests"
ACTIONS = ("ack", "resolve", "silence")
MAX_REQUEST = 16 * 1024
MAX_NOTE = 2000


@dataclass(frozen=True)
class Request:
    path: Path
    action: str  # ack | resolve
    target: str  # a ticket id or an incident id
    by: str
    note: str
    at: str
    until: str = ""  # a silence's end (ISO 8601)


def folder_of(room: Path) -> Path:
    return room / FOLDER


def drop(
    room: Path, action: str, target: str, by: str, note: str, now: datetime, until: str = ""
) -> Path:
    """Leave a request for the writer; returns its path. Never replaces another request."""
    if action not in ACTIONS:
        raise ValueError(f"unknown request {action!r}")
    if len(note) > MAX_NOTE:
        raise ValueError(f"the note is {len(note):,} characters, at most {MAX_NOTE:,}")
    body = {"action": action, "target": target, "by": by, "note": note, "at": iso(now)}
    if until:
        body["until"] = until
    name = f"{now:%Y%m%dT%H%M%S%f}-{os.getpid()}-{secrets.token_hex(4)}.json"
    with confined.folder(room.parent, f"{room.name}/{FOLDER}") as fd:
        confined.write_new(fd, name, json.dumps(body, ensure_ascii=False).encode())
    return folder_of(room) / name


def _is_request(name: str) -> bool:
    return name.endswith(".json") and name[0] != "."  # not a temp file being written


def waiting(room: Path) -> bool:
    """Whether a request is there: one read of a small folder, cheap enough twice a second."""
    try:
        with os.scandir(folder_of(room)) as entries:
            return any(_is_request(entry.name) for entry in entries)
    except OSError:
        return False


class _Seen:
    """What a folder held when it was last looked at: a folder whose modification time has not
    changed since holds nothing new (`pending` is asked four times a second)."""

    def __init__(self) -> None:
        self.stamp: tuple[int, int] | None = None
        self.listed_at = 0.0  # monotonic: a folder is listed at least every RELIST seconds
        self.stuck: set[str] = set()  # names that could be neither read nor set aside


_SEEN: dict[str, _Seen] = {}
RELIST = 2.0  # file times are coarse (a clock tick): a change within the tick is caught here
PER_LOOK = 200  # requests read at one look; the rest wait for the next (said)
KEEP_REJECTED = 200  # files kept in rejected/, the newest


def pending(room: Path) -> tuple[list[Request], list[str]]:
    """The requests waiting, oldest first (at most PER_LOOK at one look), and a sentence for each
    one set aside. A folder unchanged since its last look with nothing left in it is not read."""
    folder = folder_of(room)
    seen = _SEEN.setdefault(str(folder), _Seen())
    try:
        info = os.stat(folder)
    except OSError:
        return [], []
    stamp = (info.st_ino, info.st_mtime_ns)
    if stamp == seen.stamp and time.monotonic() - seen.listed_at < RELIST:
        return [], []
    seen.listed_at = time.monotonic()
    try:
        names = sorted(
            name for name in os.listdir(folder) if _is_request(name) and name not in seen.stuck
        )
    except OSError:
        return [], []
    found, problems = [], []
    for name in names[:PER_LOOK]:
        path = folder / name
        try:
            found.append(_parse(path, json.loads(read_file(path, MAX_REQUEST))))
        except FileNotFoundError:
            continue  # taken by another writer meanwhile
        except (OSError, NotAFile, ValueError, TypeError, KeyError) as exc:
            if not _set_aside(path):
                seen.stuck.add(name)  # said once, then left alone
            problems.append(clean(f"request {name} set aside: {exc}"))
    if len(names) > PER_LOOK:
        problems.append(f"{len(names):,} requests waiting: {PER_LOOK} taken now, the rest next")
    else:
        # Nothing left unread: until the folder changes (a new file, a removal), there is nothing.
        # The files taken now are removed by the caller, which changes the folder once more.
        seen.stamp = None if found else stamp
    return found, problems


def _parse(path: Path, data: Any) -> Request:
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    values: dict[str, Any] = {
        key: data.get(key) for key in ("action", "target", "by", "note", "at")
    }
    values["until"] = data.get("until", "")
    if values["action"] not in ACTIONS:
        raise ValueError(f"unknown action {values['action']!r}")
    for key, value in values.items():
        if not isinstance(value, str) or len(value) > MAX_NOTE:
            raise ValueError(f"{key} is not a short string")
    return Request(path, **{k: clean(v) for k, v in values.items()})


def _set_aside(path: Path) -> bool:
    """Move a request that does not parse to rejected/ (the newest KEEP_REJECTED kept), else
    remove it; False when it could be neither (a folder at the name, say)."""
    rejected = path.parent / "rejected"
    try:
        rejected.mkdir(exist_ok=True)
        os.rename(path, rejected / f"{path.name}.{secrets.token_hex(3)}")
    except OSError:
        try:
            os.unlink(path)
        except OSError:
            return False
        return True
    _prune(rejected)
    return True


def _prune(rejected: Path) -> None:
    try:
        with os.scandir(rejected) as entries:
            kept = sorted(
                (entry.stat(follow_symlinks=False).st_mtime_ns, entry.path)
                for entry in entries
                if entry.is_file(follow_symlinks=False)
            )
    except OSError:
        return
    for _, path in kept[:-KEEP_REJECTED] if len(kept) > KEEP_REJECTED else []:
        with contextlib.suppress(OSError):
            os.unlink(path)


def done(request: Request | Path) -> None:
    path = request.path if isinstance(request, Request) else request
    with contextlib.suppress(OSError):
        os.unlink(path)


def is_pending(path: Path) -> bool:
    return os.path.lexists(path)


def apply(request: Request, ops: Any, acks: Any, now: datetime) -> str:
    """Carry out one request in the writer (`ops` an Operations, `acks` the ticket Acks); returns
    what happened, in a sentence."""
    incident = ops.book.get(request.target)
    note = request.note
    if incident is not None:
        try:
            until = parse_iso(request.until) if request.until else None
        except ValueError:
            return f"Not silenced: {request.until!r} is not a time."
        outcome = ops.act(request.action, incident.id, request.by, note, now, until)
        return " ".join([outcome.message, *outcome.problems])
    if request.action in ("resolve", "silence"):
        return f"No incident {request.target}: only an incident is {request.action}d."
    if acks.has(request.target):
        return f"{request.target} was already acknowledged."
    problem = acks.acknowledge(request.target, request.by, now)
    return problem or f"Acknowledged {request.target}: no more reminders."


def carry_out(
    room: Path, ops: Any, acks: Any, clock: Callable[[], datetime]
) -> tuple[list[tuple[Request, str]], list[str]]:
    """The requests waiting, carried out in the writer: (request, what it did) each, and the
    problems (requests set aside, acks not written). The ticket acks of one look are one write of
    the file. The caller removes each request (`done`) once it has told what it did."""
    found, problems = pending(room)
    if not found:
        return [], problems
    with acks.batch() as unsaved:
        results = [(request, apply(request, ops, acks, clock())) for request in found]
    return results, problems + unsaved
