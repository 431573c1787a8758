"""`.room/watcher.json`: who keeps watch over a state root, and since when.

The watcher writes it at start and after every round, and at its end marks it `stopped_at`;
rooms, `status` and `check` read it. A file left by a watcher that died (kill -9, a crash) names a
process that is gone on this host. Either is read as no watcher (`read_watcher`), and as a watch
that ended (`ended_watch`) while nobody else holds the writer's lock: nobody is probing.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
from pathlib import Path
from typing import Any

from tui.base.paths import NotAFile, read_file, write_atomic

WATCHER_FILE = "watcher.json"


INFO_SIZE = 4096  # the file is padded to this size, so it can be rewritten in place on a full disk


def write_info(room: Path, data: dict[str, Any]) -> None:
    """Write watcher.json whole (a temp file renamed into place), padded to INFO_SIZE. When the
    disk is full, the padded file is rewritten in place instead: it takes no new block, so rooms
    and `check` still learn that the watcher probes and what it could not save."""
    text = json.dumps(data)
    while len(text) > INFO_SIZE - 1 and data.get("unsaved"):
        data = data | {"unsaved": data["unsaved"][:-1]}
        text = json.dumps(data)
    body = text.encode().ljust(INFO_SIZE - 1) + b"\n"
    try:
        write_atomic(room / WATCHER_FILE, body)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        fd = os.open(room / WATCHER_FILE, os.O_WRONLY | os.O_NOFOLLOW)
        try:
            if os.fstat(fd).st_size != len(body):
                raise
            os.pwrite(fd, body, 0)
        finally:
            os.close(fd)


def _read(room: Path) -> tuple[dict[str, Any], bool] | None:
    """watcher.json as written, and whether its watch has ended (marked stopped, or its process
    gone on this host); None when there is none to read."""
    try:
        data = json.loads(read_file(room / WATCHER_FILE, 64 * 1024))
    except (OSError, NotAFile, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("pid"), int):
        return None
    import socket  # only when a watcher file is there to judge

    gone = data.get("host") == socket.gethostname() and not _alive(data["pid"])
    return data, bool(data.get("stopped_at")) or gone


def read_watcher(room: Path) -> dict[str, Any] | None:
    """The live watcher of a state root as `{pid, host, since, last_round_at, …}`, or None.

    A watcher.json left by a watcher that died (kill -9) names a process that is gone: None.
    """
    read = _read(room)
    if read is None or read[1]:
        return None
    data = read[0]
    keys = ("pid", "host", "since", "last_round_at", "vantage", "probe_interval_s")
    found = {key: data.get(key) for key in keys}
    if data.get("unsaved_since"):  # a full disk: it probes and pages from memory
        found["unsaved_since"] = data["unsaved_since"]
        found["unsaved"] = [str(u) for u in data.get("unsaved") or []][:10]
    return found


def ended_watch(room: Path) -> dict[str, Any] | None:
    """The watch that ended, while no process holds the writer's lock: `{pid, host,
    last_round_at, stopped_at, how}` (how: "stopped" or "gone"), or None.

    None when a watcher or a writing room holds the lock, or no watcher ever kept this state."""
    read = _read(room)
    if read is None or not read[1]:
        return None  # none, or alive (or on another host: `watcher_stopped` judges its rounds)
    if lock_held(room):
        return None  # a room or a new watcher writes now
    data = read[0]
    keys = ("pid", "host", "last_round_at", "stopped_at")
    how = "stopped" if data.get("stopped_at") else "gone"
    return {key: data.get(key) for key in keys} | {"how": how}


def lock_held(room: Path) -> bool:
    """Whether a writer holds `.room/lock` (asked without writing: the lock is opened read-only)."""
    try:
        fd = os.open(room / "lock", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0
    return True
