"""The room's state as one value: the JSON snapshot of SPEC section 5, and its text form."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tui.base.clock import iso, parse_iso
from tui.base.config import Config
from tui.base.durations import format_duration
from tui.base.sanitize import clean, redact_url, shorten
from tui.bus.scanner import BusSnapshot, is_future, is_stale, sort_key, stale_tickets, summarize
from tui.bus.tickets import Ticket

SCHEMA = 1  # SPEC section 5's number: never changes while fields are only added
SCHEMA_VERSION = "1.7"  # docs/schema/status.schema.json: the minor grows with each added field


def ticket_json(ticket: Ticket, now: datetime, config: Config) -> dict[str, Any]:
    warnings = list(ticket.warnings)
    if is_future(ticket, now):
        warnings.append("created is in the future (clock skew?)")
    return {
        "id": ticket.id,
        "role": ticket.role,
        "path": ticket.path,
        "from": ticket.sender,
        "persona": ticket.persona,
        "to": ticket.to,
        "priority": ticket.priority,
        "status": ticket.status,
        "subject": ticket.subject,
        "created": iso(ticket.created),
        "age_s": int((now - ticket.created).total_seconds()),
        "stale": is_stale(ticket, now, config.stale_after),
        "in_reply_to": ticket.in_reply_to,
        "warnings": warnings,
        "deliverable": ticket.deliverable,
        "project": ticket.project,
        "verify": _redacted(ticket.verify),
        "extra": ticket.extra,
    }


def build_snapshot(
    bus: BusSnapshot,
    config: Config,
    now: datetime,
    *,
    read_only: bool,
    probes: list[dict[str, Any]] | None = None,
    slos: list[dict[str, Any]] | None = None,
    freeze: bool = False,
    incidents: list[dict[str, Any]] | None = None,
    acknowledged: set[str] | None = None,
) -> dict[str, Any]:
    inboxes = {
        row.role: {
            "tickets": row.tickets,
            "responses": row.responses,
            "stale": row.stale,
            "malformed": row.malformed,
        }
        for row in summarize(bus, now, config.stale_after)
    }
    tickets = sorted(bus.tickets, key=lambda t: (t.role, *sort_key(t)))
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "generated_at": iso(now),
        "state_root": str(bus.root),
        "read_only": read_only,
        "inboxes": inboxes,
        "tickets": [ticket_json(ticket, now, config) for ticket in tickets],
        "archived": bus.archived,
        "malformed": [
            {"path": bad.path, "reason": bad.reason, "role": bad.role}
            for bad in (*bus.malformed, *bus.bad_intents)  # an intent file is listed alike
        ],
        "intents": [
            intent.to_json() | {"overdue": intent.overdue(now, config.intent_after)}
            for intent in bus.intents
        ],
        "stale": [ticket.id for ticket in stale_tickets(bus.tickets, now, config.stale_after)],
        "acknowledged": sorted(acknowledged or ()),
        "problems": list(bus.problems),
        "unreadable": list(bus.unreadable),
        "probes": probes or [],
        "slos": slos or [],
        "freeze": freeze,
        "incidents": incidents or [],
    }


def render_text(snapshot: dict[str, Any], now: datetime) -> str:
    """`status` for a terminal: short, aligned, every string already sanitized at entry."""
    lines = [f"Sisyphus control room — {snapshot['state_root']}  ({snapshot['generated_at']})"]
    if snapshot["read_only"]:
        lines.append("read-only: the room cannot write under the state root")
    for problem in snapshot["problems"]:
        lines.append(f"problem: {problem}")
    lines.append("")
    lines.append(f"{'inbox':<22} {'tickets':>7} {'responses':>9} {'stale':>5} {'malformed':>9}")
    for role, row in snapshot["inboxes"].items():
        lines.append(
            f"{role:<22} {row['tickets']:>7} {row['responses']:>9} {row['stale']:>5} {row['malformed']:>9}"
        )
    lines.append(f"archived: {snapshot['archived']}")
    stale = [t for t in snapshot["tickets"] if t["stale"]]
    lines.append("")
    if stale:
        lines.append(f"STALE clarifications ({len(stale)}):")
        for ticket in stale:
            lines.append(
                f"  {ticket['id']}  {ticket['role']} ← {ticket['from']}  waiting "
                f"{format_duration(now - _created(ticket))}  {shorten(ticket['subject'], 60)}"
            )
    else:
        lines.append("stale clarifications: none")
    if snapshot["malformed"]:
        lines.append(f"malformed tickets ({len(snapshot['malformed'])}):")
        for bad in snapshot["malformed"]:
            lines.append(f"  {bad['path']}: {bad['reason']}")
    open_intents = [i for i in snapshot.get("intents", []) if i["open"]]
    if open_intents:
        lines.append(f"hat switches open ({len(open_intents)}):")
        for intent in open_intents:
            late = f"  ({intent['overdue']})" if intent.get("overdue") else ""
            lines.append(
                f"  {intent['role']} acting as {intent['acting_as']} since "
                f"{intent['created'][5:16]}Z: {shorten(intent['reason'], 60)}{late}"
            )
    lines.extend(_render_probes(snapshot))
    lines.extend(_render_deliveries(snapshot, now))
    watcher = snapshot.get("watcher")
    if watcher:
        lines.append("")
        lines.append(
            f"watcher: pid {watcher['pid']} on {watcher['host']} since {watcher['since']}, "
            f"last round {watcher['last_round_at'] or 'not yet'}"
        )
    return "\n".join(lines)


def _render_deliveries(snapshot: dict[str, Any], now: datetime) -> list[str]:
    deliveries = snapshot.get("deliveries", [])
    unverified = snapshot.get("unverified", [])
    if not deliveries and not unverified:
        return []
    live = sum(1 for d in deliveries if d["ok"] is True)
    down = [d for d in deliveries if d["ok"] is False]
    waiting = sum(1 for d in deliveries if d["ok"] is None)
    lines = [
        "",
        f"deliveries: {len(deliveries)} marked done with verify: {live} live, "
        f"{len(down)} NOT LIVE, {waiting} not checked yet; {len(unverified)} done, unverified",
    ]
    for delivery in down:
        done = format_duration(now - parse_iso(delivery["done_at"]))
        lines.append(
            f"  NOT LIVE {delivery['ticket']} ({delivery['role']}, done {done} ago): "
            f"{delivery['url']} {delivery['detail']}"
        )
    return lines


def _render_probes(snapshot: dict[str, Any]) -> list[str]:
    lines = [""]
    if not snapshot["probes"]:
        lines.append("probes: none recorded")
    else:
        failing = [p for p in snapshot["probes"] if not p["ok"]]
        lines.append(f"probes: {len(snapshot['probes'])} results, {len(failing)} failing")
        for probe in failing:
            lines.append(
                f"  FAIL {probe['site'] or 'platform'} {probe['check']}: {probe['detail']}"
            )
    if snapshot["slos"]:
        from tui.view.budgets import budget_words  # the SLO machinery: only for the text form

        measured = [s for s in snapshot["slos"] if s["budget_remaining"] is not None]
        lines.append(f"error budgets: {len(snapshot['slos'])} SLOs, {len(measured)} measured")
        for slo in sorted(measured, key=lambda s: s["budget_remaining"])[:5]:
            lines.append(
                f"  {slo['site'] or 'platform'}/{slo['name']}: {budget_words(slo['budget_remaining'], slo['events'])}"
                f" (SLI {slo['sli'] * 100:.2f}% over {slo['events']} probes, target {slo['target'] * 100:g}%)"
            )
    if snapshot["freeze"]:
        lines.append(
            f"DEPLOY FREEZE: {_frozen_names(snapshot)} below the freeze line{_lift(snapshot)}"
        )
    open_incidents = [i for i in snapshot["incidents"] if i["state"] != "resolved"]
    lines.append(f"open incidents: {len(open_incidents)}")
    for incident in open_incidents:
        lines.append(
            f"  {incident['id']} {incident['state']}: {incident.get('site') or 'platform'} "
            f"{incident.get('cause')}: {shorten(clean(str(incident.get('detail') or '')), 80)}"
        )
    return lines


def _lift(snapshot: dict[str, Any]) -> str:
    """'; since 10:02Z, lifts about 12-04 18:00Z (projected)', or that it will not lift soon."""
    since, lifts = snapshot.get("freeze_since"), snapshot.get("freeze_lifts_at")
    said = f"; since {_when(since)}" if since else ""
    if lifts:
        return f"{said}, lifts about {_when(lifts)} (projected)"
    if "freeze_lifts_at" in snapshot:
        return f"{said}, no lift projected within the SLO window"
    return said


def _when(value: Any) -> str:
    try:
        return parse_iso(str(value)).strftime("%m-%d %H:%MZ")
    except ValueError:
        return "?"


def _frozen_names(snapshot: dict[str, Any]) -> str:
    names = [f"{s['site'] or 'platform'}/{s['name']}" for s in snapshot["slos"] if s.get("frozen")]
    return ", ".join(names) or "an error budget"


def _redacted(verify: Any) -> Any:
    """A ticket's `verify` with credentials in its URL redacted."""
    if isinstance(verify, dict) and isinstance(verify.get("url"), str):
        return verify | {"url": redact_url(verify["url"])}
    return verify


def _created(ticket: dict[str, Any]) -> datetime:
    return parse_iso(ticket["created"])


def check_reasons(
    snapshot: dict[str, Any],
    *,
    require_verify: bool = False,
    unread_after: timedelta | None = None,
) -> list[str]:
    """One line per reason a person is needed (`check`)."""
    reasons = [f"cannot see: {problem}" for problem in snapshot.get("unreadable", [])]
    now = parse_iso(snapshot["generated_at"])
    for ticket in snapshot["tickets"]:
        if ticket["stale"]:
            reasons.append(
                f"stale clarification: {ticket['id']} in the inbox of {ticket['role']} "
                f"from {ticket['from']}, waiting {format_duration(timedelta(seconds=ticket['age_s']))}: "
                f"{shorten(ticket['subject'], 60)}"
            )
    for incident in snapshot["incidents"]:
        if incident["state"] != "resolved":
            reasons.append(
                f"open incident: {incident['id']} ({incident['state']}) "
                f"{incident.get('site') or 'platform'} {incident.get('slo') or ''}".rstrip()
            )
    covered = {i.get("site") for i in snapshot["incidents"] if i["state"] != "resolved"}
    for probe in snapshot["probes"]:
        if not probe["ok"] and probe["site"] not in covered and not probe.get("maintenance"):
            since = probe.get("failing_since") or probe["at"]
            reasons.append(
                f"failing now: {probe['site'] or 'platform'} {probe['check']} since "
                f"{since[11:16]}Z: {shorten(probe['detail'], 80)} (no incident yet)"
            )
    for probe in snapshot["probes"]:
        if probe.get("slow"):
            reasons.append(
                f"slow now: {probe['site'] or 'platform'} {probe['latency_ms']:.0f} ms > "
                f"{snapshot.get('latency_objective_ms', 0):.0f} ms (the latency objective)"
            )
    if snapshot["freeze"]:
        reasons.append(
            f"deploy freeze: {_frozen_names(snapshot)} below the freeze line{_lift(snapshot)}"
        )
    for delivery in snapshot.get("deliveries", []):
        if delivery["ok"] is False:
            done = format_duration(now - parse_iso(delivery["done_at"]))
            reasons.append(
                f"{delivery['ticket']} marked done {done} ago, not live: "
                f"{delivery['url']} {delivery['detail']}"
            )
    if require_verify:
        for ticket_id in snapshot.get("unverified", []):
            reasons.append(
                f"done without proof: {ticket_id} has a deliverable but no verify "
                "([room] require_verify)"
            )
    failing = {p["site"] for p in snapshot["probes"] if not p["ok"] and p["site"]}
    for window in snapshot.get("maintenance", []):
        left = parse_iso(window["until"]) - now
        sites = set(window["sites"])
        down = sorted(failing if "*" in sites else failing & sites)
        if window["active"] and left <= timedelta(minutes=10) and down:
            reasons.append(
                f"maintenance ends in {format_duration(left)} ({window['source']}) with "
                f"{', '.join(down)} still failing: its incident opens then"
            )
    for role, moves in snapshot.get("flow", {}).get("roles", {}).items():
        if moves.get("idle_s"):
            pickup = moves["last_pickup"]
            last = f"last answer {pickup[5:16]}Z" if pickup else "no answer seen"
            reasons.append(
                f"idle role: {role} has {moves['waiting']} waiting (oldest "
                f"{format_duration(timedelta(seconds=moves['oldest_s']))}), {last}"
            )
    for intent in snapshot.get("intents", []):
        if intent.get("overdue"):
            reasons.append(
                f"hat switch {intent['overdue']}: {intent['role']} acting as "
                f"{intent['acting_as']} since {intent['created'][5:16]}Z: "
                f"{shorten(intent['reason'], 60)} ({intent['path']})"
            )
    for bad in snapshot["malformed"]:
        what = "intent" if bad["path"].startswith("intents/") else "ticket"
        reasons.append(f"malformed {what}: {bad['path']}: {bad['reason']}")
    if unread_after is not None:
        reasons.extend(_unread(snapshot, unread_after))
    stopped = watcher_stopped(snapshot.get("watcher"), snapshot["generated_at"])
    if stopped:
        reasons.append(stopped)
    watcher = snapshot.get("watcher") or {}
    if watcher.get("unsaved_since"):
        what = "; ".join(clean(str(u)) for u in watcher.get("unsaved") or []) or "its records"
        reasons.append(
            f"records not saved since {_hhmm(watcher['unsaved_since'])}Z: {shorten(what, 160)} "
            "(the watcher probes and pages from memory; free space on the state's disk)"
        )
    ended = watch_ended(snapshot.get("watch_ended"))
    if ended:
        reasons.append(ended)
    return reasons


def watch_ended(ended: dict[str, Any] | None) -> str | None:
    """The watcher stopped or died and no writer took over: nobody is probing."""
    if not ended:
        return None
    since = ended.get("last_round_at") or ended.get("stopped_at")
    how = (
        f"stopped at {_hhmm(ended.get('stopped_at'))}Z"
        if ended.get("how") == "stopped"
        else "is gone (killed or crashed)"
    )
    return (
        f"nobody is probing since {_hhmm(since)}Z: the watcher (pid {ended.get('pid')} on "
        f"{clean(str(ended.get('host')))}) {how}; start `sisyphus-room watch` or open the room"
    )


def _hhmm(value: Any) -> str:
    try:
        return parse_iso(str(value)).strftime("%H:%M")
    except ValueError:
        return "?"


def _unread(snapshot: dict[str, Any], unread_after: timedelta) -> list[str]:
    """Responses left waiting in an inbox longer than `unread_after`, one line per inbox."""
    late: dict[str, list[int]] = {}
    for ticket in snapshot["tickets"]:
        if ticket.get("in_reply_to") and ticket["age_s"] > unread_after.total_seconds():
            late.setdefault(ticket["role"], []).append(ticket["age_s"])
    return [
        f"unread responses: {len(ages)} in the inbox of {role} waiting over "
        f"{format_duration(unread_after)} (oldest {format_duration(timedelta(seconds=max(ages)))}): "
        "read and archive them"
        for role, ages in sorted(late.items())
    ]


def watcher_stopped(watcher: dict[str, Any] | None, generated_at: str) -> str | None:
    """A live watcher whose last round is older than three probe intervals has stopped probing."""
    if not watcher or not isinstance(watcher.get("probe_interval_s"), int | float):
        return None
    last = watcher.get("last_round_at") or watcher.get("since")
    try:
        moment, now = parse_iso(str(last)), parse_iso(generated_at)
    except ValueError:
        return None
    late = (now - moment).total_seconds()
    if late > 3 * watcher["probe_interval_s"]:
        when = "last round" if watcher.get("last_round_at") else "started, no round yet,"
        return (
            f"nobody is probing since {moment:%H:%M}Z: the watcher has stopped probing: pid "
            f"{watcher['pid']} on {clean(str(watcher['host']))}, alive (frozen, or unable to write "
            f"its records), {when} "
            f"{format_duration(timedelta(seconds=late))} ago"
        )
    return None
