"""`.room/actions.jsonl`: one line per action a person took (when, who, what, which paths)."""

from __future__ import annotations

import getpass
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.base import confined
from tui.base.clock import iso

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


def recent(room: Path, limit: int = 200) -> list[dict[str, Any]]:
    """The last `limit` actions, newest first (lines that do not parse are skipped)."""
    from tui.base.paths import NotAFile, read_file

    path = room / ACTIONS_FILE
    try:
        size = os.lstat(path).st_size
        data = read_file(path, size + (1 << 20))  # it may grow while read
    except (OSError, NotAFile, ValueError):
        return []
    lines = data[-256 * 1024 :].decode("utf-8", "replace").splitlines()
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
