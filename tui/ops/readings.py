"""What is read of the records besides the view, mixed into the round engine: the budget an
incident spent, each SLO's hourly trend, a site's recent probes, the bad events kept apart in
maintenance windows. Each under the engine's lock."""

from __future__ import annotations

import threading
from datetime import datetime

from tui.base.clock import parse_iso
from tui.base.config import Config
from tui.ops.budgets import BudgetReport
from tui.ops.history import APART, History, key_of
from tui.ops.incident_record import Incident
from tui.ops.probe_store import ProbeStore
from tui.ops.slo import SloStatus, budget_trend


class Readings:
    """Queries of the round engine (`tui.ops.engine.Operations`)."""

    config: Config
    budget: BudgetReport
    history: History
    store: ProbeStore
    _lock: threading.RLock

    def burned(self, incident: Incident, now: datetime) -> float | None:
        """The share of its SLO's window budget an incident spent: its bad probes, from the first
        bad one to its resolution (or now), over the budget of the window in probes.

        Unknown (None) for an incident without an SLO or while the window is too thin to judge.
        """
        with self._lock:
            return self._burned(incident, now)

    def _burned(self, incident: Incident, now: datetime) -> float | None:
        status = next(
            (s for s in self.budget.statuses if s.site == incident.site and s.name == incident.slo),
            None,
        )
        if status is None or not status.judged:
            return None
        end = parse_iso(incident.resolved_at) if incident.resolved_at else now
        spent = self.history.counts(
            key_of(incident.site, status.name), parse_iso(incident.first_bad_at), end
        )
        budget = status.window.total * (1 - status.target)
        return round(spent.bad / budget, 4) if budget > 0 else None

    def budget_trends(self, site: str | None, now: datetime) -> dict[str, list[float | None]]:
        """Each SLO of one site: its budget left at the end of every hour of the window."""
        with self._lock:
            return {
                s.name: budget_trend(self.history.hourly(key_of(s.site, s.name), now), s.target)
                for s in self.budget.statuses
                if s.site == site
            }

    def site_history(self, site: str) -> list[tuple[str, str, bool, float | None]]:
        """(check, at, ok, latency) of a site's recent probes, oldest first."""
        with self._lock:
            found = [
                (check, at, ok, latency)
                for check in ("http", "tls", "dns")
                for at, ok, latency in self.store.history(site, check)
            ]
        return sorted(found, key=lambda item: item[1])

    def apart_bad(self, status: SloStatus, now: datetime) -> int:
        """Bad events of an SLO during maintenance windows in its window: kept, not counted."""
        with self._lock:
            key = key_of(status.site, status.name) + APART
            return self.history.counts(key, now - self.config.slo_window, now).bad
