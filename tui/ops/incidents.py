"""Incidents: opened from probe and SLO state, escalated, acknowledged, closed, learned from.

One engine for the room and for `status --probe`: it reads a round of results and the budgets,
keeps per-check streaks, and opens one incident per site and cause (a DNS failure that also breaks
HTTP and TLS is one DNS incident). Triggered incidents climb the ladder (60 s, 5 min, then every
15 min). Kept in `.room/incidents.json`; resolved ones are kept for RETAIN of them.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tui.base.clock import iso, parse_iso
from tui.base.config import Config
from tui.base.ladder import INCIDENT_LADDER
from tui.base.storage import open_db
from tui.ops.budgets import BudgetReport
from tui.ops.checks import REGISTRY, Cause, ProbeResult
from tui.ops.history import key_of
from tui.ops.incident_record import Incident, incident_from
from tui.ops.kb import Entry, adjust_confidence, matches

RETAIN = 200


def slo_of(check: str, result: ProbeResult) -> str | None:
    """The SLO a failing check breaks (its check's rule: a certificate that does not verify
    breaks cert_validity)."""
    spec = REGISTRY.get(check)
    return spec.breaks(result) if spec is not None else None


def causes(results: list[ProbeResult]) -> dict[tuple[str | None, str], ProbeResult]:
    """The failing causes of one round, one per site: DNS hides HTTP and TLS; HTTP hides a TLS
    failure that is only "no TLS session"."""
    by_site: dict[str | None, dict[str, ProbeResult]] = {}
    for result in results:
        by_site.setdefault(result.site, {})[result.check] = result
    found: dict[tuple[str | None, str], ProbeResult] = {}
    for site, checks in by_site.items():
        failing = {name: r for name, r in checks.items() if not r.ok}
        if site is None:
            for name, result in failing.items():
                found[(None, name)] = result
            continue
        http, tls = failing.get("http"), failing.get("tls")
        if (
            http is not None
            and tls is not None
            and http.cause in (Cause.CERTIFICATE, Cause.EXPIRED)
        ):
            del failing["http"]  # one bad certificate is one incident: the tls one
        for name in ("dns", "http", "tls"):
            if name in failing:
                if name == "tls" and "http" in failing and failing["tls"].cause is Cause.NO_SESSION:
                    continue
                found[(site, name)] = failing[name]
                if name == "dns":
                    break
    return found


class IncidentBook:
    def __init__(self, folder: Path, *, read_only: bool) -> None:
        self.notes: list[str] = []
        self.read_only = read_only
        self.db = open_db(folder / "incidents.json", read_only=read_only, notes=self.notes)
        self.incidents: list[Incident] = []
        # "site/check" → [bad in a row, good in a row, when the current bad run began (unix s)]
        self.streaks: dict[str, list[int]] = {}
        self.load()

    # ------------------------------------------------------------------ files

    def load(self) -> None:
        self.db.storage.reload()  # type: ignore[attr-defined]
        self.db.clear_cache()
        raw = self.db.storage.read() or {}
        table = raw.get("_default", {})
        self.incidents = []
        damaged = 0
        for doc in table.values():
            if doc.get("kind") == "streaks" and isinstance(doc.get("streaks"), dict):
                self.streaks = {
                    key: list(value)
                    for key, value in doc["streaks"].items()
                    if isinstance(value, list)
                    and len(value) == 3
                    and all(type(n) is int and 0 <= n < 2**33 for n in value)  # 2**33 s: year 2242
                }
            elif doc.get("kind") == "incident":
                incident = incident_from(doc)
                if incident is None:
                    damaged += 1
                else:
                    self.incidents.append(incident)
        if damaged:
            self.notes.append(f"incidents.json: {damaged} damaged entries skipped")

    def save(self) -> None:
        if self.read_only:
            return
        resolved = [i for i in self.incidents if not i.open]
        if len(resolved) > RETAIN:
            drop = {
                id(i)
                for i in sorted(resolved, key=lambda i: i.resolved_at or "")[
                    : len(resolved) - RETAIN
                ]
            }
            self.incidents = [i for i in self.incidents if id(i) not in drop]
        table: dict[str, Any] = {"1": {"kind": "streaks", "streaks": self.streaks}}
        for index, incident in enumerate(self.incidents):
            table[str(index + 2)] = {"kind": "incident", **asdict(incident)}
        self.db.storage.write({"_default": table})
        self.db.clear_cache()

    # ------------------------------------------------------------------ queries

    def open_incidents(self) -> list[Incident]:
        return [i for i in self.incidents if i.open]

    def get(self, incident_id: str) -> Incident | None:
        return next((i for i in self.incidents if i.id == incident_id), None)

    def open_for(self, site: str | None, cause: str) -> Incident | None:
        """The open incident of this site and cause (or of a burn on the site), if any."""
        return self._open_for(site, cause) or next(
            (i for i in self.open_incidents() if i.site == site and i.cause.startswith("burn:")),
            None,
        )

    def _open_for(self, site: str | None, cause: str) -> Incident | None:
        return next(
            (i for i in self.incidents if i.open and i.site == site and i.cause == cause), None
        )

    # ------------------------------------------------------------------ the engine

    def observe(
        self,
        results: list[ProbeResult],
        budget: BudgetReport,
        config: Config,
        now: datetime,
        kb: list[Entry] | None = None,
        quiet: frozenset[str] = frozenset(),
    ) -> list[Incident]:
        """Feed one round; return the incidents that opened or resolved in it. The sites in
        `quiet` (a maintenance window) open nothing; their streaks go on counting, so a window
        that ends with the site still failing opens the incident at the next round."""
        changed: list[Incident] = []
        for result in results:
            key = key_of(result.site, result.check)
            bad, good, since = (self.streaks.get(key) or [0, 0, 0])[:3]
            if result.ok:
                bad, good = 0, good + 1
            else:
                since = since if bad else int(result.at.timestamp())
                bad, good = bad + 1, 0
            self.streaks[key] = [bad, good, since]
            incident = self._open_for(result.site, result.check)
            if incident is not None and (bad == 1 or good == 1):  # a transition goes on the record
                incident.note(
                    now,
                    f"{result.check} {'good again' if result.ok else 'failing'}: {result.detail}",
                )
        statuses = {(s.site, s.name): s for s in budget.statuses}
        for (site, check), result in causes(results).items():
            bad, _, since = self.streaks[key_of(site, check)]
            slo = slo_of(check, result)
            burn = self._open_for(site, f"burn:{slo}")
            if burn is not None and bad == config.open_after:
                # A new outage while an older burn incident of the site is open: on its record,
                # and announced again (back to firing, the ladder from the start).
                burn.note(now, f"{check} failing again for {bad} rounds: {result.detail}")
                burn.state, burn.tier = "triggered", 0
                burn.episode, burn.fired_at = burn.episode + 1, iso(now)
                burn.silenced_until = None  # a new outage: the silence was for the old one
                changed.append(burn)
            covered = burn is not None or site in quiet
            if bad >= config.open_after and self._open_for(site, check) is None and not covered:
                first_bad = datetime.fromtimestamp(since, UTC) if since else now
                changed.append(
                    self._open(
                        site,
                        check,
                        slo,
                        result.detail,
                        now,
                        first_bad,
                        bad,
                        statuses,
                        kb or [],
                    )
                )
        for status in budget.statuses:
            # A burn on a handful of probes is noise: the same bound as the freeze (slo.MIN_EVENTS).
            already = any(i.open and i.site == status.site for i in self.incidents)
            already = already or status.site in quiet
            if status.judged and "page" in status.alerts and not already:
                detail = f"{status.name} burning at {status.burn.get('1h') or 0:.1f}× over 1 h"
                changed.append(
                    self._open(
                        status.site,
                        f"burn:{status.name}",
                        status.name,
                        detail,
                        now,
                        now,
                        0,
                        statuses,
                        kb or [],
                    )
                )
        for incident in self.open_incidents():
            if self._recovered(incident, config, statuses):
                self.resolve(incident, now, "recovered on its own")
                changed.append(incident)
        return changed

    def _open(
        self,
        site: str | None,
        cause: str,
        slo: str | None,
        detail: str,
        now: datetime,
        first_bad: datetime,
        bad_rounds: int,
        statuses: dict[tuple[str | None, str], Any],
        kb: list[Entry],
    ) -> Incident:
        base = f"INC-{now:%Y%m%d-%H%M}-{site or 'platform'}-{cause.replace(':', '-')}"
        taken = {i.id for i in self.incidents}
        incident_id = base
        # One id per incident, even when one reopens within the minute.
        for number in range(2, 1000):
            if incident_id not in taken:
                break
            incident_id = f"{base}-{number}"
        status = statuses.get((site, slo)) if slo else None
        incident = Incident(
            id=incident_id,
            site=site,
            cause=cause,
            slo=slo,
            state="triggered",
            opened_at=iso(now) or "",
            first_bad_at=iso(first_bad) or "",
            detail=detail,
            budget_at_open=None if status is None else status.budget_remaining,
        )
        incident.kb_matches = [entry.id for entry in matches(kb, incident.check, detail, site)]
        incident.note(first_bad, f"first bad probe: {detail}")
        incident.note(
            now, f"opened after {bad_rounds} failing rounds" if bad_rounds else f"opened: {detail}"
        )
        self.incidents.append(incident)
        return incident

    def _recovered(
        self, incident: Incident, config: Config, statuses: dict[tuple[str | None, str], Any]
    ) -> bool:
        if incident.cause.startswith("burn:"):
            status = statuses.get((incident.site, incident.slo or ""))
            good = self.streaks.get(key_of(incident.site, "http"), [0, 0])[1]
            return (status is None or "page" not in status.alerts) and good >= config.recover_after
        return (
            self.streaks.get(key_of(incident.site, incident.cause), [0, 0])[1]
            >= config.recover_after
        )

    def acknowledge(self, incident: Incident, who: str, note: str, now: datetime) -> None:
        if incident.state != "triggered":
            return
        incident.state = "acknowledged"
        incident.acknowledged_at = iso(now)
        incident.acknowledged_by = who
        applied = re.search(r"applied KB entry (\S+)", note or "", flags=re.IGNORECASE)
        if applied:
            incident.kb_applied = applied.group(1).rstrip(".,;")
        incident.note(now, f"acknowledged by {who}" + (f": {note}" if note else ""))

    def silence(
        self, incident: Incident, who: str, note: str, until: datetime, now: datetime
    ) -> None:
        incident.silenced_until, incident.silenced_by = iso(until), who
        incident.silence_note = note
        incident.note(now, f"silenced by {who} until {iso(until)}: {note}")

    def resolve(self, incident: Incident, now: datetime, how: str) -> None:
        """Close it; the budget it burned is counted by the engine (Operations.burned)."""
        incident.state = "resolved"
        incident.resolved_at = iso(now)
        incident.resolution = how
        incident.note(now, f"resolved: {how}")

    def escalations(self, now: datetime, quiet: frozenset[str] = frozenset()) -> list[Incident]:
        """Triggered incidents whose next rung has come (60 s, 5 min, then every 15 min); the
        sites in `quiet` (a maintenance window) page nothing until it ends."""
        due = []
        for incident in self.open_incidents():
            if incident.state != "triggered" or incident.site in quiet or incident.silenced(now):
                continue
            rungs = INCIDENT_LADDER.rungs_due(incident.ladder_start, now)
            if rungs > incident.tier:
                incident.tier = rungs
                incident.note(now, f"announced (tier {rungs})")
                due.append(incident)
        return due

    def next_escalation(self, now: datetime) -> float | None:
        """Seconds until the next rung of any firing incident (to arm a timer), or None."""
        moments = [
            INCIDENT_LADDER.rung_time(i.ladder_start, i.tier)
            for i in self.incidents
            if i.state == "triggered"
        ]
        return max((min(moments) - now).total_seconds(), 0.5) if moments else None

    def learn(self, incident: Incident, kb: list[Entry]) -> str | None:
        """After a resolve with an applied KB entry: its confidence rises if the incident recovered
        on its own within 30 minutes of the acknowledgement, and falls otherwise."""
        if not incident.kb_applied or not incident.resolved_at:
            return None
        entry = next((e for e in kb if e.id == incident.kb_applied), None)
        if entry is None:
            return f"KB entry {incident.kb_applied} not found"
        acknowledged = parse_iso(incident.acknowledged_at) if incident.acknowledged_at else None
        helped = (
            incident.resolution == "recovered on its own"
            and acknowledged is not None
            and parse_iso(incident.resolved_at) - acknowledged <= timedelta(minutes=30)
        )
        value = adjust_confidence(entry, helped)
        incident.note(
            parse_iso(incident.resolved_at),
            f"KB {entry.id} confidence {'rose' if helped else 'fell'} to {value}",
        )
        return None
