"""`.room/watcher.json`: who keeps watch over a state root, and since when.

The watcher writes it at start and after every round; rooms, `status` and `check` read it. A file
left by a watcher that died (kill -9) names a process that is gone on this host: read as no watcher.
"""

from __future__ import annotations

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
    if data.get("host") == socket.gethostname() and not _alive(data["pid"]):
        return None
    keys = ("pid", "host", "since", "last_round_at", "vantage", "probe_interval_s")
    return {key: data.get(key) for key in keys}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0
    return True
