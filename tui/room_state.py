"""Everything the room knows, gathered once: for `status`, `check` and the JSON snapshot."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from tui.acks import Acks
from tui.bus import Scanner
from tui.clock import system_clock
from tui.config import Config
from tui.snapshot import build_snapshot
from tui.state import can_write, room_dir
from tui.store import WriterLock


def collect(root: Path, config: Config, now: datetime, *, probe: bool = False) -> dict[str, Any]:
    """Read the bus and the last probe results (after one round with `probe`) into the snapshot."""
    writable = can_write(root)
    folder = room_dir(root)
    bus = Scanner(root, config.roles).scan()
    acks = Acks(folder, read_only=True).ids() if (folder / "acks.json").exists() else set()
    probes: list[dict[str, Any]] = []
    notes: list[str] = []
    if probe or (folder / "probes.json").exists():
        from tui.probe_store import ProbeStore
        from tui.probes import run_round

        lock = WriterLock(folder)
        writer = writable and lock.acquire()
        store = ProbeStore(folder, read_only=not writer)
        try:
            if probe:
                results = run_round(root, config, system_clock)
                if writer:
                    store.record(results)
                else:
                    notes.append("another room holds .room/lock: this round was not recorded")
                latest = results
            else:
                latest = store.latest()
        finally:
            lock.release()
        notes.extend(store.notes)
        probes = [
            result.to_json() | {"age_s": int((now - result.at).total_seconds())}
            for result in latest
        ]
    snapshot = build_snapshot(
        bus, config, now, read_only=not writable, acknowledged=acks, probes=probes
    )
    snapshot["problems"].extend(notes)
    return snapshot
