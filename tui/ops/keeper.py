"""The watchkeeper: every ladder and every change worth telling, kept once for the room and the
watcher.

It is told what happened (a scan of the bus, a round, a confirmation, incidents due a rung, a
request carried out) and answers with typed events (`tui.ops.happenings`) that carry their own
words. The room shows them as announcements; the watcher logs them and sends their pages. It
keeps the stale and delivery ladders, the freeze, the last state of each check and the active
maintenance windows; `ladder.json` carries the ladders across restarts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from tui.base.clock import iso
from tui.base.config import Config
from tui.base.paths import NotAFile, read_file, write_atomic
from tui.base.sanitize import clean
from tui.bus.stale import StaleWatch
from tui.bus.tickets import Ticket
from tui.ops import happenings as h
from tui.ops import round_events as r
from tui.ops.deliveries import Delivery, DeliveryWatch
from tui.ops.incident_record import Incident
from tui.ops.maintenance import WARN_BEFORE, Window
from tui.ops.outcomes import OpsView, RoundOutcome
from tui.ops.requests import Request

LADDER_FILE = "ladder.json"
WindowKey = tuple[str, datetime, datetime]


class Keeper:
    """The ladders, the freeze, the checks' last states and the maintenance windows."""

    def __init__(self, config: Config, view: OpsView) -> None:
        self.stale = StaleWatch(config.stale_after)
        self.deliveries = DeliveryWatch()
        self.frozen = view.budget.freeze
        self.freeze_id: str | None = None
        self.previous = {(r.site, r.check): r.ok for r in view.results}
        self.windows: dict[WindowKey, Window] = {}
        self.warned: set[WindowKey] = set()
        self.unsaved_since: str | None = None  # records not written since (a full disk)
        self.dirty = False  # a ladder or the freeze moved since the last save
        self.unwritten = False  # the last write of ladder.json failed (said once, tried again)

    def reconfigured(self, config: Config) -> None:
        """A new config: the ladders keep the rungs they reached."""
        reached = self.stale.announcer.reached
        self.stale = StaleWatch(config.stale_after)
        self.stale.announcer.reached = reached

    # ------------------------------------------------------------------ the ticket bus

    def scanned(
        self, tickets: Iterable[Ticket], acked: set[str], now: datetime
    ) -> tuple[list[h.StaleRaised], datetime | None]:
        """Clarifications due a stale announcement now, and when to look again."""
        due, wake = self.stale.step(tickets, acked, now)
        self.dirty = self.dirty or bool(due)
        reached = self.stale.announcer.reached
        return [h.StaleRaised(now, t, reached.get(t.id, 1)) for t in due], wake

    def deliveries_due(self, deliveries: Iterable[Delivery], now: datetime) -> list[h.Happening]:
        """Done tickets that are not live, on the stale ladder from their first failed check."""
        due = self.deliveries.step(deliveries, now)
        self.dirty = self.dirty or bool(due)
        return [h.DeliveryNotLive(now, d, rung) for d, rung in due]

    # ------------------------------------------------------------------ rounds

    def round(
        self, outcome: RoundOutcome, now: datetime, seconds: float, unsaved: Sequence[str]
    ) -> list[h.Happening]:
        """A round of probes: its summary, checks that changed, records not written, windows,
        deliveries that turned, incidents, and the freeze."""
        failing = [result for result in outcome.results if not result.ok]
        said: list[h.Happening] = []
        if outcome.error:
            said.append(r.RoundFailed(now, outcome.error))
        said.append(r.RoundDone(now, len(outcome.results), len(failing), seconds))
        for result in outcome.results:
            before = self.previous.get((result.site, result.check))
            if before is not None and before != result.ok:
                said.append(
                    r.ProbeChanged(now, result.site, result.check, result.ok, result.detail)
                )
            self.previous[(result.site, result.check)] = result.ok
        if unsaved and not self.unsaved_since:
            self.unsaved_since = iso(now)
            said.append(r.RecordsUnsaved(now, "; ".join(unsaved)))
        elif not unsaved and self.unsaved_since:
            said.append(r.RecordsSaved(now, self.unsaved_since))
            self.unsaved_since = None
        said += [r.Problem(now, p) for p in outcome.problems if p not in unsaved]
        said += self._windows(outcome, now)
        said += [h.DeliveryTurned(now, d) for d in outcome.turned_not_live]
        return said + self.incidents(outcome, now) + self._freeze(outcome.view, now)

    def confirmed(
        self, outcome: RoundOutcome, sites: Sequence[str], now: datetime
    ) -> list[h.Happening]:
        """Checks that began failing, probed again: the incidents that opened meanwhile."""
        failing = tuple(sorted({res.site or "" for res in outcome.results if not res.ok}))
        said: list[h.Happening] = [r.Confirmed(now, tuple(sites), failing)]
        if outcome.error:
            said.append(r.RoundFailed(now, outcome.error))
        return said + self.incidents(outcome, now)

    def incidents(self, outcome: RoundOutcome, now: datetime) -> list[h.Happening]:
        """What opened and resolved in a round or a confirmation."""
        opened: list[h.Happening] = [h.IncidentOpened(now, i) for i in outcome.opened]
        return opened + [h.IncidentResolved(now, i) for i in outcome.resolved]

    def firing(self, due: Iterable[Incident], now: datetime) -> list[h.Happening]:
        """Incidents whose next rung came (the engine moved them up the ladder)."""
        return [h.IncidentFiring(now, incident) for incident in due]

    def requested(
        self, request: Request, said: str, incident: Incident | None, now: datetime
    ) -> list[h.Happening]:
        """A request from a room or the command line, carried out: what it did, and the pages
        it makes (a silence for Alertmanager, a resolution for whoever heard the incident)."""
        events: list[h.Happening] = [h.RequestCarriedOut(now, request, said)]
        if incident is not None and request.action == "silence" and incident.silenced(now):
            events.append(h.IncidentSilenced(now, incident, request.by))
        if incident is not None and request.action == "resolve" and not incident.open:
            events.append(h.IncidentResolved(now, incident, told=False))
        return events

    def _windows(self, outcome: RoundOutcome, now: datetime) -> list[h.Happening]:
        """Maintenance windows starting and ending, and one ending soon on a failing site."""
        windows = outcome.view.windows
        active = {(w.source, w.start, w.end): w for w in windows if w.active(now)}
        said: list[h.Happening] = [
            r.MaintenanceStarted(now, active[key]) for key in active.keys() - self.windows.keys()
        ]
        said += [
            r.MaintenanceEnded(now, self.windows[key])
            for key in self.windows.keys() - active.keys()
        ]
        self.windows = active
        failing = {res.site for res in outcome.results if not res.ok and res.site}
        for key, window in active.items():
            down = tuple(sorted(s for s in failing if window.covers(s, now)))
            if down and window.end - now <= WARN_BEFORE and key not in self.warned:
                self.warned.add(key)
                said.append(r.MaintenanceEndingFailing(now, window, down))
        return said

    def _freeze(self, view: OpsView, now: datetime) -> list[h.Happening]:
        frozen = view.budget.freeze
        if frozen == self.frozen:
            return []
        self.frozen, self.dirty = frozen, True
        if frozen:
            self.freeze_id = f"freeze-{now:%Y%m%dT%H%M%S}"
            names = ", ".join(
                f"{s.site or 'platform'} {s.name}" for s in view.budget.statuses if s.frozen
            )
            return [r.FreezeChanged(now, True, names, self.freeze_id)]
        freeze_id, self.freeze_id = self.freeze_id or "freeze", None
        return [r.FreezeChanged(now, False, "", freeze_id)]

    # ------------------------------------------------------------------ across restarts

    def load(self, folder: Path) -> list[str]:
        """The rungs reached before a restart (`ladder.json`); problems in words."""
        try:
            data = json.loads(read_file(folder / LADDER_FILE, 4 << 20))
            self.stale.announcer.reached = _rungs(data.get("stale", {}))
            self.deliveries.announcer.reached = _rungs(data.get("delivery", {}))
            freeze_id = data.get("freeze")
            self.freeze_id = freeze_id if isinstance(freeze_id, str) else None
        except FileNotFoundError:
            return []
        except (OSError, NotAFile, ValueError, AttributeError) as exc:
            return [clean(f"{LADDER_FILE} unreadable, ladders start over: {exc}")]
        return []

    def save(self, folder: Path) -> list[str]:
        """Write `ladder.json` when a ladder or the freeze moved since the last write."""
        if not self.dirty:
            return []
        data = {
            "stale": self.stale.announcer.reached,
            "delivery": self.deliveries.announcer.reached,
            "freeze": self.freeze_id,
        }
        try:
            write_atomic(folder / LADDER_FILE, json.dumps(data).encode())
        except OSError as exc:  # tried again at each event told; said once until it is written
            said, self.unwritten = self.unwritten, True
            return [] if said else [clean(f"{LADDER_FILE} not written: {exc}")]
        self.dirty = self.unwritten = False
        return []


def _rungs(data: object) -> dict[object, int]:
    if not isinstance(data, dict):
        raise ValueError("a ladder is not a JSON object")
    return {str(k): v for k, v in data.items() if isinstance(v, int) and v >= 0}
