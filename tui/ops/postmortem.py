"""The post-mortem an incident leaves when it is resolved: a ticket in the architect's inbox.

Its header is a ticket's (the bus reads it like any other); the body gives the times to notice and
to resolve, the budget burned, the knowledge-base entry used, the timeline and the action items.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from tui.base.clock import iso
from tui.base.durations import format_duration
from tui.base.paths import write_atomic
from tui.ops.incident_record import Incident
from tui.ops.suspects import words as suspect_words


def postmortem_text(incident: Incident, now: datetime) -> str:
    mtti, mttr = incident.mtti(), incident.mttr()
    header = {
        "id": f"PM-{incident.id}",
        "from": "sisyphus-room",
        "to": "architect",
        "priority": "P2",
        "subject": f"Post-mortem: {incident.site or 'platform'} {incident.cause} ({incident.id})",
        "deliverable": "Root cause confirmed and every action item done or ticketed",
        "created": iso(now),
        "status": "open",
        "project": incident.site,
        "incident": incident.id,
    }
    lines = ["---", *(f"{k}: {json.dumps(v)}" for k, v in header.items() if v is not None), "---"]
    lines += [
        f"# Post-mortem: {incident.site or 'platform'} — {incident.cause}",
        "",
        f"- Detail: {incident.detail}",
        f"- First bad probe: {incident.first_bad_at}",
        f"- MTTI (first bad probe → acknowledged): {format_duration(mtti) if mtti else 'never acknowledged'}",
        f"- MTTR (first bad probe → resolved): {format_duration(mttr) if mttr else '—'}",
        f"- Resolution: {incident.resolution}",
        f"- Error budget burned ({incident.slo or '—'}): "
        + (
            "unknown"
            if incident.budget_burned is None
            else f"{incident.budget_burned * 100:.1f}% of the budget"
        ),
        f"- KB entry used: {incident.kb_applied or 'none'}"
        + (f" (matches offered: {', '.join(incident.kb_matches)})" if incident.kb_matches else ""),
        "",
        "## What changed before it broke",
        "",
        *(
            [f"- {suspect_words(s)}" for s in incident.suspects]
            or ["- No ticket about this site was marked done shortly before its first bad probe."]
        ),
        "",
        "## Timeline",
        "",
        *(f"- {at} — {text}" for at, text in incident.timeline),
        "",
        "## Action items",
        "",
        "- [ ] Root cause:",
        "- [ ] Fix deployed and verified from the outside (curl, dig):",
        "- [ ] Knowledge base entry added or corrected:",
        "",
    ]
    return "\n".join(lines)


def write_postmortem(root: Path, incident: Incident, now: datetime) -> str | None:
    """Write the post-mortem ticket into the architect's inbox (atomically, never overwriting).

    If the inbox is not writable the incident keeps the text and says so; returns the problem.
    """
    text = incident.postmortem_pending or postmortem_text(incident, now)
    inbox = root / "tickets" / "to_architect"
    try:
        inbox.mkdir(parents=True, exist_ok=True)
        for attempt in range(100):
            name = f"PM-{incident.id}" + (f"-{attempt}" if attempt else "") + ".md"
            try:
                write_atomic(inbox / name, text.encode("utf-8"), overwrite=False)
            except FileExistsError:
                continue
            incident.postmortem = f"tickets/to_architect/{name}"
            incident.postmortem_pending = None
            incident.note(now, f"post-mortem written: {incident.postmortem}")
            return None
        raise OSError("no free file name")
    except OSError as exc:
        incident.postmortem_pending = text
        problem = f"post-mortem not written ({exc.strerror or exc}); the incident keeps it"
        incident.note(now, problem)
        return problem
