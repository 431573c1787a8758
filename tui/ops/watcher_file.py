"""`.room/watcher.json`: who keeps watch over a state root, and since when.

The watcher writes it at start and after every round, and at its end marks it `stopped_at`;
rooms, `status` and `check` read it. A file left by a watcher that died (kill -9, a crash) names a
process that is gone on this host. Either is read as no watcher (`read_watcher`), and as a watch
that ended (`ended_watch`) while nobody else holds the writer's lock: nobody is probing.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from pathlib import Path
from typing import Any

from tui.base.paths import NotAFile, read_file

WATCHER_FILE = "watcher.json"


def read_watcher(room: Path) -> dict[str, Any] | None:
    """The live watcher of a state root as `{pid, host, since, last_round_at, …}`, or None.

    A watcher.json left by a watcher that died (kill -9) names a process that is gone: None.
    """
    try:
        data = json.loads(read_file(room / WATCHER_FILE, 64 * 1024))
    except (OSError, NotAFile, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("pid"), int):
        return None
    if data.get("stopped_at") or (
        data.get("host") == socket.gethostname() and not _alive(data["pid"])
    ):
        return None
    keys = ("pid", "host", "since", "last_round_at", "vantage", "probe_interval_s")
    return {key: data.get(key) for key in keys}


def ended_watch(room: Path) -> dict[str, Any] | None:
    """The watch that ended, while no process holds the writer's lock: `{pid, host,
    last_round_at, stopped_at, how}` (how: "stopped" or "gone"), or None.

    None when a watcher or a writing room holds the lock, or no watcher ever kept this state."""
    try:
        data = json.loads(read_file(room / WATCHER_FILE, 64 * 1024))
    except (OSError, NotAFile, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("pid"), int):
        return None
    stopped = data.get("stopped_at")
    if not stopped and not (data.get("host") == socket.gethostname() and not _alive(data["pid"])):
        return None  # alive, or on another host: `watcher_stopped` judges its rounds
    if lock_held(room):
        return None  # a room or a new watcher writes now
    keys = ("pid", "host", "last_round_at", "stopped_at")
    return {key: data.get(key) for key in keys} | {"how": "stopped" if stopped else "gone"}


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
