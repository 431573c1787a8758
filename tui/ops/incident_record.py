"""One incident as it is kept: its fields, its timeline, its JSON, and reading it back from
`.room/incidents.json` (a damaged entry is skipped, never believed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tui.base.clock import iso, parse_iso


@dataclass
class Incident:
    id: str
    site: str | None
    cause: str  # the check that fails (http, tls, dns, backup, containers) or burn:<slo>
    slo: str | None
    state: str  # triggered, acknowledged, resolved
    opened_at: str
    first_bad_at: str
    detail: str
    acknowledged_at: str | None = None
    acknowledged_by: str | None = None
    resolved_at: str | None = None
    resolution: str | None = None
    tier: int = 0
    timeline: list[list[str]] = field(default_factory=list)
    kb_matches: list[str] = field(default_factory=list)
    kb_applied: str | None = None
    budget_at_open: float | None = None
    budget_burned: float | None = None
    postmortem: str | None = None
    postmortem_pending: str | None = None
    episode: int = 1  # a new outage under an open burn incident fires it again: episode 2, …
    fired_at: str | None = None  # when the current episode began (its ladder starts there)
    silenced_until: str | None = None  # its pages stop until then (it stays open and counted)
    silenced_by: str | None = None
    silence_note: str | None = None
    # Tickets about its site marked done shortly before its first bad probe: what changed.
    suspects: list[dict[str, Any]] = field(default_factory=list)

    def silenced(self, now: datetime) -> bool:
        return self.silenced_until is not None and now < parse_iso(self.silenced_until)

    def silence_json(self) -> dict[str, Any]:
        return {
            "incident": self.id,
            "until": self.silenced_until,
            "by": self.silenced_by or "",
            "note": self.silence_note or "",
        }

    @property
    def open(self) -> bool:
        return self.state != "resolved"

    @property
    def check(self) -> str:
        """The probe check the knowledge base files it under (a burn incident: http)."""
        return "http" if self.cause.startswith("burn:") else self.cause

    def note(self, at: datetime, text: str) -> None:
        self.timeline.append([iso(at) or "", text])

    def mtti(self) -> timedelta | None:
        if not self.acknowledged_at:
            return None
        return parse_iso(self.acknowledged_at) - parse_iso(self.first_bad_at)

    def mttr(self) -> timedelta | None:
        if not self.resolved_at:
            return None
        return parse_iso(self.resolved_at) - parse_iso(self.first_bad_at)

    def to_json(self) -> dict[str, Any]:
        """SPEC section 5 fields first, then the record."""
        mtti, mttr = self.mtti(), self.mttr()
        return {
            "id": self.id,
            "site": self.site,
            "slo": self.slo,
            "state": self.state,
            "opened_at": self.opened_at,
            "acknowledged_at": self.acknowledged_at,
            "resolved_at": self.resolved_at,
            "cause": self.cause,
            "detail": self.detail,
            "tier": self.tier,
            "acknowledged_by": self.acknowledged_by,
            "resolution": self.resolution,
            "mtti_s": None if mtti is None else int(mtti.total_seconds()),
            "mttr_s": None if mttr is None else int(mttr.total_seconds()),
            "budget_burned": self.budget_burned,
            "kb_matches": self.kb_matches,
            "kb_applied": self.kb_applied,
            "postmortem": self.postmortem,
            "postmortem_pending": self.postmortem_pending is not None,
            "timeline": self.timeline,
            "episode": self.episode,
            "silenced_until": self.silenced_until,
            "suspects": self.suspects,
        }

    @property
    def ladder_start(self) -> datetime:
        """Where the current episode's ladder starts: its refire, or the opening."""
        return parse_iso(self.fired_at or self.opened_at)


TEXT_FIELDS = ("id", "cause", "state", "opened_at", "first_bad_at", "detail")


OPTIONAL_TEXT = (
    "site",
    "slo",
    "acknowledged_at",
    "acknowledged_by",
    "resolved_at",
    "resolution",
    "kb_applied",
    "postmortem",
    "postmortem_pending",
    "fired_at",
    "silenced_until",
    "silenced_by",
    "silence_note",
)


def incident_from(doc: dict[str, Any]) -> Incident | None:
    """An incident read back from incidents.json, or None when the entry does not fit."""
    data = {k: v for k, v in doc.items() if k != "kind"}
    known = (
        TEXT_FIELDS
        + OPTIONAL_TEXT
        + (
            "tier",
            "timeline",
            "kb_matches",
            "budget_at_open",
            "episode",
            "suspects",
        )
    )
    if set(data) - set(known) - {"budget_burned"}:
        return None
    numbers = (data.get("budget_at_open"), data.get("budget_burned"))
    fits = (
        all(isinstance(data.get(name), str) for name in TEXT_FIELDS)
        and all(data.get(name) is None or isinstance(data[name], str) for name in OPTIONAL_TEXT)
        and data.get("state") in ("triggered", "acknowledged", "resolved")
        and type(data.get("tier", 0)) is int
        and 0 <= data.get("tier", 0) < 1000
        and type(data.get("episode", 1)) is int
        and 1 <= data.get("episode", 1) < 10**6
        and all(
            isinstance(line, list) and len(line) == 2 and all(isinstance(s, str) for s in line)
            for line in data.get("timeline", [])
        )
        and isinstance(data.get("timeline", []), list)
        and isinstance(data.get("suspects", []), list)
        and all(_suspect(item) for item in data.get("suspects", []))
        and isinstance(data.get("kb_matches", []), list)
        and all(isinstance(m, str) for m in data.get("kb_matches", []))
        and all(
            n is None or (isinstance(n, int | float) and not isinstance(n, bool) and abs(n) < 1e6)
            for n in numbers
        )
    )
    if not fits:
        return None
    try:
        for name in (
            "opened_at",
            "first_bad_at",
            "acknowledged_at",
            "resolved_at",
            "fired_at",
            "silenced_until",
        ):
            if data.get(name) is not None:
                parse_iso(data[name])
        return Incident(**data)
    except (TypeError, ValueError, OverflowError):
        return None


def _suspect(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and all(isinstance(item.get(k), str) for k in ("ticket", "role", "subject", "done_at"))
        and type(item.get("before_s")) is int
    )
