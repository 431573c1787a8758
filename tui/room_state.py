"""Everything the room knows, gathered once: for `status`, `check` and the JSON snapshot."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from tui.acks import Acks
from tui.bus import Scanner
from tui.config import Config
from tui.snapshot import build_snapshot
from tui.state import can_write, room_dir


def collect(root: Path, config: Config, now: datetime, *, probe: bool = False) -> dict[str, Any]:
    """Read the bus (and, later, probes, budgets, incidents) into the JSON snapshot."""
    writable = can_write(root)
    bus = Scanner(root, config.roles).scan()
    acks = (
        Acks(room_dir(root), read_only=True).ids()
        if (room_dir(root) / "acks.json").exists()
        else set()
    )
    snapshot = build_snapshot(bus, config, now, read_only=not writable, acknowledged=acks)
    return snapshot
