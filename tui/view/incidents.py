"""What the incidents pane and an incident's record show, as plain values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tui.base.clock import parse_iso
from tui.base.durations import format_duration
from tui.ops.incident_record import Incident
from tui.ops.kb import Entry
from tui.ops.suspects import words as suspect_words

LABELS = {"triggered": "FIRING", "acknowledged": "ACKED", "resolved": "closed"}
TONES = {"triggered": "error", "acknowledged": "warning", "resolved": "muted"}
MAX_ROWS = 200


@dataclass(frozen=True)
class IncidentRow:
    key: str
    label: str
    tone: str
    site: str
    cause: str
    age: str
    tier: str


@dataclass(frozen=True)
class IncidentsSummary:
    rows: tuple[IncidentRow, ...]
    title: str
    note: str  # shown above the table when there are no incidents
    warnings: tuple[str, ...]  # broken knowledge base entries


def incidents_summary(
    incidents: Sequence[Incident], broken_kb: Sequence[str], now: datetime
) -> IncidentsSummary:
    order = sorted(incidents, key=lambda i: (not i.open, i.state != "triggered", i.opened_at))
    rows = []
    for incident in order[:MAX_ROWS]:
        opened = parse_iso(incident.opened_at)
        end = parse_iso(incident.resolved_at) if incident.resolved_at else now
        rows.append(
            IncidentRow(
                key=incident.id,
                label=LABELS[incident.state],
                tone=TONES[incident.state],
                site=incident.site or "platform",
                cause=incident.cause.replace("burn:", "burn "),
                age=format_duration(end - opened),
                tier=f" {incident.tier}" if incident.open else "",
            )
        )
    firing = sum(1 for i in incidents if i.state == "triggered")
    opened_count = sum(1 for i in incidents if i.open)
    title = (
        "Incidents"
        + (f" · {opened_count} open" if opened_count else "")
        + (f" · {firing} firing" if firing else "")
    )
    note = (
        ""
        if incidents
        else "No incidents. One opens when a check fails several rounds in a row "
        "or an error budget burns at page level."
    )
    return IncidentsSummary(tuple(rows), title, note, tuple(broken_kb))


def incident_record(incident: Incident, kb: Sequence[Entry]) -> list[tuple[str, str]]:
    """One incident's record as (text, tone) pieces."""
    i = incident
    pieces: list[tuple[str, str]] = [(f"{i.id}\n", "bold")]
    state_tone = {"triggered": "error", "acknowledged": "warning"}.get(i.state, "success")
    pieces.append((i.state, state_tone))
    pieces.append(
        (f" · {i.site or 'platform'} · {i.cause} · SLO {i.slo or '—'} · tier {i.tier}\n", "plain")
    )
    pieces.append((f"{i.detail}\n\n", "plain"))
    mtti, mttr = i.mtti(), i.mttr()
    pieces.append(
        (
            f"MTTI {format_duration(mtti) if mtti else '—'} (first bad probe → acknowledged)   "
            f"MTTR {format_duration(mttr) if mttr else '—'} (first bad probe → resolved)\n",
            "plain",
        )
    )
    burned = "unknown" if i.budget_burned is None else f"{i.budget_burned * 100:.1f}% of the budget"
    pieces.append((f"Error budget burned: {burned}\n", "plain"))
    if i.acknowledged_by:
        pieces.append((f"Acknowledged by {i.acknowledged_by} at {i.acknowledged_at}\n", "plain"))
    if i.suspects:
        pieces.append(
            ("What changed before it broke (done shortly before the first bad probe):\n", "bold")
        )
        for suspect in i.suspects:
            pieces.append((f"  {suspect_words(suspect)}\n", "warning"))
    if i.open and i.silenced_until:
        pieces.append(
            (f"Silenced until {i.silenced_until} by {i.silenced_by}: {i.silence_note}\n", "warning")
        )
    if i.resolution:
        pieces.append((f"Resolution: {i.resolution}\n", "plain"))
    if i.postmortem:
        pieces.append((f"Post-mortem: {i.postmortem}\n", "plain"))
    if i.postmortem_pending:
        pieces.append(
            ("Post-mortem not written (inbox not writable): the incident keeps it.\n", "warning")
        )
    entries = {e.id: e for e in kb}
    if i.kb_matches:
        pieces.append(("\nKnowledge base matches (best first):\n", "bold"))
        for entry_id in i.kb_matches:
            entry = entries.get(entry_id)
            if entry:
                pieces.append(
                    (f"  {entry.id} (confidence {entry.confidence:.2f}): {entry.cause}\n", "plain")
                )
                pieces.append((f"    fix: {entry.fix}\n", "accent"))
        pieces.append(("  Acknowledge with “applied KB entry <id>” when you apply one.\n", "muted"))
    pieces.append(("\nTimeline\n", "bold"))
    for at, line in i.timeline[-200:]:
        pieces.append((f"  {at}  ", "muted"))
        pieces.append((line + "\n", "plain"))
    pieces.append(
        (
            "\na acknowledge · r resolve by hand · S silence its pages for a while · "
            "K save this pattern to the KB · escape back",
            "muted",
        )
    )
    return pieces
