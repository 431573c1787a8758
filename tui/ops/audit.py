"""`.room/actions.jsonl`: one line per action a person took (when, who, what, which paths)."""

from __future__ import annotations

import getpass
import json
import os
import stat
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.base import confined
from tui.base.clock import iso
from tui.base.sanitize import clean, shorten

ACTIONS_FILE = "actions.jsonl"


def record(room: Path, now: datetime, action: str, **details: Any) -> str | None:
    """Append one line; returns a sentence when it could not be written (the action stands).

    `.room` is opened under the state root without following a link, and the log must be a
    regular file: a link, a FIFO or a folder at its name is said, never written through."""
    line = {"at": iso(now), "who": user(), "action": action} | details
    data = (json.dumps(line, ensure_ascii=False) + "\n").encode()
    try:
        with confined.folder(room.parent, room.name) as fd:
            confined.append_line(fd, ACTIONS_FILE, data)
    except OSError as exc:
        return f".room/{ACTIONS_FILE} not written: {exc.strerror or exc}"
    return None


def user() -> str:
    """The OS user acting (its uid when the name cannot be found)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


TAIL = 256 * 1024  # bytes read from the end of the log: a huge log costs no more than this


def recent(room: Path, limit: int = 200) -> list[dict[str, Any]]:
    """The last `limit` actions, newest first, from the log's last `TAIL` bytes (lines that do
    not parse are skipped; a link, FIFO or folder at its name reads as no log)."""
    try:
        fd = os.open(room / ACTIONS_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return []
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return []
        start = max(0, info.st_size - TAIL)
        data = os.pread(fd, TAIL, start)
    except OSError:
        return []
    finally:
        os.close(fd)
    lines = data.decode("utf-8", "replace").splitlines()
    if start:
        lines = lines[1:]  # the first is cut
    found: list[dict[str, Any]] = []
    for line in reversed(lines):
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            found.append(item)
        if len(found) >= limit:
            break
    return found


def rows(room: Path, limit: int = 200) -> list[tuple[str, str, str, str]]:
    """(when, who, what, detail) of the recent actions, every string cleaned for the screen,
    keys too (the log is a file anyone with access can write)."""
    shown = []
    for item in recent(room, limit):
        detail = "  ".join(
            clean(
                f"{key}=" + (", ".join(map(str, value)) if isinstance(value, list) else str(value))
            )
            for key, value in item.items()
            if key not in ("at", "who", "action")
        )
        shown.append(
            (
                clean(str(item.get("at", "?"))),
                clean(str(item.get("who", "?"))),
                clean(str(item.get("action", "?"))),
                shorten(detail, 2000),
            )
        )
    return shown
