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
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.base import confined
from tui.base.clock import iso
from tui.base.paths import NotAFile, read_file
from tui.base.sanitize import clean

FOLDER = "requests"
ACTIONS = ("ack", "resolve")
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


def folder_of(room: Path) -> Path:
    return room / FOLDER


def drop(room: Path, action: str, target: str, by: str, note: str, now: datetime) -> Path:
    """Leave a request for the writer; returns its path. Never replaces another request."""
    if action not in ACTIONS:
        raise ValueError(f"unknown request {action!r}")
    if len(note) > MAX_NOTE:
        raise ValueError(f"the note is {len(note):,} characters, at most {MAX_NOTE:,}")
    body = {"action": action, "target": target, "by": by, "note": note, "at": iso(now)}
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


def pending(room: Path) -> tuple[list[Request], list[str]]:
    """The requests waiting, oldest first, and a sentence for each one set aside."""
    folder = folder_of(room)
    try:
        names = sorted(name for name in os.listdir(folder) if _is_request(name))
    except OSError:
        return [], []
    found, problems = [], []
    for name in names[:1000]:
        path = folder / name
        try:
            found.append(_parse(path, json.loads(read_file(path, MAX_REQUEST))))
        except FileNotFoundError:
            continue  # taken by another writer meanwhile
        except (OSError, NotAFile, ValueError, TypeError, KeyError) as exc:
            problems.append(clean(f"request {name} set aside: {exc}"))
            _set_aside(path)
    return found, problems


def _parse(path: Path, data: Any) -> Request:
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    values: dict[str, Any] = {
        key: data.get(key) for key in ("action", "target", "by", "note", "at")
    }
    if values["action"] not in ACTIONS:
        raise ValueError(f"unknown action {values['action']!r}")
    for key, value in values.items():
        if not isinstance(value, str) or len(value) > MAX_NOTE:
            raise ValueError(f"{key} is not a short string")
    return Request(path, **{k: clean(v) for k, v in values.items()})


def _set_aside(path: Path) -> None:
    rejected = path.parent / "rejected"
    try:
        rejected.mkdir(exist_ok=True)
        os.replace(path, rejected / path.name)
    except OSError:
        done(path)


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
        outcome = ops.act(request.action, incident.id, request.by, note, now)
        return " ".join([outcome.message, *outcome.problems])
    if request.action == "resolve":
        return f"No incident {request.target}: only an incident is resolved."
    if request.target in acks.ids():
        return f"{request.target} was already acknowledged."
    problem = acks.acknowledge(request.target, request.by, now)
    return problem or f"Acknowledged {request.target}: no more reminders."
