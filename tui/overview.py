"""Everything the room knows, gathered once: for `status`, `check` and the JSON snapshot."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tui.base.clock import parse_iso, system_clock
from tui.base.config import Config
from tui.base.paths import can_write, room_dir
from tui.base.storage import WriterLock
from tui.bus.acks import Acks
from tui.bus.scanner import Scanner
from tui.view.snapshot import build_snapshot


def collect(root: Path, config: Config, now: datetime, *, probe: bool = False) -> dict[str, Any]:
    """Read the bus, the last probe results (after one round with `probe`) and the budgets."""
    writable = can_write(root)
    folder = room_dir(root)
    bus = Scanner(root, config.roles).scan()
    acks = Acks(folder, read_only=True).ids() if (folder / "acks.json").exists() else set()
    probes: list[dict[str, Any]] = []
    slos: list[dict[str, Any]] = []
    incidents: list[dict[str, Any]] = []
    freeze = False
    notes: list[str] = []
    if probe or (folder / "probes.json").exists() or (folder / "incidents.json").exists():
        from tui.ops.budgets import report, write_freeze
        from tui.ops.history import History
        from tui.ops.incidents import IncidentBook, write_postmortem
        from tui.ops.kb import load_kb
        from tui.ops.probe_store import ProbeStore
        from tui.ops.probes import run_round

        lock = WriterLock(folder)
        writer = writable and lock.acquire()
        try:
            store = ProbeStore(folder, read_only=not writer)
            history = History(folder, read_only=not writer, window=config.slo_window)
            if probe:
                results = run_round(root, config, system_clock)
                if writer:
                    store.record(results)
                    history.add(results, config)
                    history.save(now)
                else:
                    notes.append("another room holds .room/lock: this round was not recorded")
                latest = results
            else:
                latest = store.latest()
            budget = report(history, config, now, folder)
            book = IncidentBook(folder, read_only=not writer)
            kb, kb_broken = load_kb(root)
            if writer:
                write_freeze(folder, budget, now)
                if probe:
                    # One engine wherever probes run: open, escalate and close as the room does.
                    for incident in book.observe(results, budget, config, now, kb):
                        if not incident.open:
                            problem = write_postmortem(root, incident, now)
                            if problem:
                                notes.append(f"{incident.id}: {problem}")
                            book.learn(incident, kb)
                    book.escalations(now)
                book.save()
        finally:
            lock.release()
        notes.extend(store.notes + history.notes)
        probes = [
            result.to_json() | {"age_s": int((now - result.at).total_seconds())}
            for result in latest
        ]
        slos = [status.to_json() for status in budget.statuses]
        freeze = budget.freeze
        incidents = [
            incident.to_json()
            for incident in sorted(book.incidents, key=lambda i: (not i.open, i.opened_at))
            if incident.open
            or (incident.resolved_at and now - parse_iso(incident.resolved_at) < timedelta(days=7))
        ]
        notes.extend(f"{bad.path}: {bad.reason}" for bad in kb_broken)
        notes.extend(book.notes)
    snapshot = build_snapshot(
        bus,
        config,
        now,
        read_only=not writable,
        acknowledged=acks,
        probes=probes,
        slos=slos,
        freeze=freeze,
        incidents=incidents,
    )
    snapshot["problems"].extend(notes)
    return snapshot
