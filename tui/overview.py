"""Everything the room knows, gathered once: for `status`, `check` and the JSON snapshot."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tui.base.clock import iso, parse_iso, system_clock
from tui.base.config import Config
from tui.base.paths import can_write, room_dir
from tui.base.writer_lock import WriterLock
from tui.bus.flow import flow_of
from tui.bus.scanner import Scanner
from tui.ops import maintenance
from tui.ops.watcher_file import ended_watch, read_watcher
from tui.view.snapshot import build_snapshot


def collect(root: Path, config: Config, now: datetime, *, probe: bool = False) -> dict[str, Any]:
    """Read the bus, the last probe results (after one round with `probe`) and the budgets."""
    writable = can_write(root)
    folder = room_dir(root)
    bus = Scanner(root, config.roles).scan()
    acks: set[str] = set()
    if (folder / "acks.json").exists():
        from tui.bus.acks import Acks  # TinyDB: loaded only when there is something to read

        acks = Acks(folder, read_only=True).ids()
    probes: list[dict[str, Any]] = []
    slos: list[dict[str, Any]] = []
    incidents: list[dict[str, Any]] = []
    freeze = False
    freeze_detail: dict[str, Any] | None = None
    notes: list[str] = []
    found = maintenance.windows(config, bus.tickets, now)
    deliveries: list[dict[str, Any]] = []
    silences: list[dict[str, Any]] = []
    unverified: list[str] = []
    known = ("probes.json", "incidents.json", "deliveries.json")
    if probe or any((folder / name).exists() for name in known):
        from tui.ops.deliveries import TIMEOUT as DELIVERY_TIMEOUT
        from tui.ops.engine import Operations
        from tui.ops.history import key_of

        lock = WriterLock(folder)
        writer = writable and lock.acquire()
        ops: Operations | None = None
        try:
            ops = Operations(root, config, writer=writer, now=now)
            ops.delivery_grace = DELIVERY_TIMEOUT + 3  # one round only: every verdict is waited for
            notes.extend(ops.notes)
            if probe and writer:
                # One engine wherever probes run: record, budgets, incidents, as the room does.
                outcome = ops.round(system_clock, now=now, tickets=bus.tickets)
                notes.extend(outcome.problems)
                if outcome.error:
                    notes.append(outcome.error)
                ops.escalate(now)
                view = outcome.view
                latest = list(outcome.results)
            else:
                view = ops.view(now)
                latest = list(view.results)
                if probe:
                    latest = ops.probe(system_clock)
                    notes.append("another room holds .room/lock: this round was not recorded")
                elif writer:
                    notes.extend(ops.keep_freeze_file(now))  # deploy scripts read it
        finally:
            if ops is not None:
                ops.close()
            lock.release()
        probes = [
            result.to_json()
            | {
                "age_s": int((now - result.at).total_seconds()),
                "failing_since": None
                if result.ok
                else iso(view.failing_since.get(key_of(result.site, result.check), result.at)),
                # Slower than the latency objective: a bad event for the latency SLO, said from
                # the first round (the budget is judged only after enough probes).
                "slow": bool(
                    result.ok
                    and result.check == "http"
                    and result.latency_ms is not None
                    and result.latency_ms > config.latency_p95_ms
                ),
                # In a maintenance window: shown, not counted, opens and pages nothing.
                "maintenance": maintenance.covering(found, result.site, result.at) is not None,
            }
            for result in latest
        ]
        slos = [
            status.to_json() | {"bad_in_maintenance": ops.apart_bad(status, now)}
            for status in view.budget.statuses
        ]
        freeze = view.budget.freeze
        freeze_detail = view.budget.freeze_json(now) if freeze else None
        silences = [i.silence_json() for i in view.incidents if i.open and i.silenced(now)]
        incidents = [
            incident.to_json()
            for incident in sorted(view.incidents, key=lambda i: (not i.open, i.opened_at))
            if incident.open
            or (incident.resolved_at and now - parse_iso(incident.resolved_at) < timedelta(days=7))
        ]
        notes.extend(view.kb_broken)
        deliveries = [delivery.to_json() for delivery in view.deliveries]
        unverified = list(view.unverified)
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
    if freeze_detail:  # since when, and when it is projected to lift (null: not in the window)
        snapshot["freeze_since"] = freeze_detail["since"]
        snapshot["freeze_lifts_at"] = freeze_detail["projected_lift"]
    snapshot["latency_objective_ms"] = config.latency_p95_ms
    snapshot["maintenance"] = [w.to_json(now) for w in maintenance.relevant(found, now)]
    snapshot["silences"] = silences
    crew = flow_of(root, bus, now)
    snapshot["flow"] = crew.to_json()
    for role, moves in snapshot["flow"]["roles"].items():
        idle = crew.roles[role].idle(now, config.idle_after)
        moves["idle_s"] = None if idle is None else int(idle.total_seconds())
    snapshot["deliveries"] = deliveries
    snapshot["unverified"] = unverified
    snapshot["watcher"] = read_watcher(folder)
    snapshot["watch_ended"] = None if snapshot["watcher"] else ended_watch(folder)
    snapshot["notifications"] = notifications(folder)
    for failed in snapshot["notifications"]["failed"][-5:]:
        snapshot["problems"].append(
            f"notification to {failed['channel']} failed: {failed['event']}: {failed['error']}"
        )
    return snapshot


def notifications(folder: Path) -> dict[str, Any]:
    """What the outbox holds: `{pending, retrying, failed}` (empty without a watcher's outbox)."""
    if not (folder / "outbox.json").exists():
        return {"pending": 0, "retrying": [], "failed": []}
    from tui.ops.notify import Outbox

    return Outbox(folder, read_only=True).summary()
