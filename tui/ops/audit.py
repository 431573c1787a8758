"""`.room/actions.jsonl`: one line per action a person took (when, who, what, which paths)."""

from __future__ import annotations

import getpass
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.base.clock import iso
from tui.base.paths import FILE_MODE

ACTIONS_FILE = "actions.jsonl"


def record(room: Path, now: datetime, action: str, **details: Any) -> str | None:
    """Append one line; returns a sentence when it could not be written (the action stands)."""
    line = {"at": iso(now), "who": user(), "action": action} | details
    data = (json.dumps(line, ensure_ascii=False) + "\n").encode()
    try:
        room.mkdir(exist_ok=True)
        fd = os.open(
            room / ACTIONS_FILE,
            os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK,
            FILE_MODE,
        )
    except OSError as exc:
        return f"{ACTIONS_FILE} not written: {exc.strerror or exc}"
    try:
        os.write(fd, data)  # one write of one line: appends from two processes never interleave
    except OSError as exc:
        return f"{ACTIONS_FILE} not written: {exc.strerror or exc}"
    finally:
        os.close(fd)
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
