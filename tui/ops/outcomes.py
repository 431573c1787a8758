"""What the round engine hands out: frozen values a screen, a report or the watcher reads, never
changed afterwards by another thread."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from tui.ops.budgets import BudgetReport
from tui.ops.checks import ProbeResult
from tui.ops.deliveries import Delivery
from tui.ops.incident_record import Incident
from tui.ops.kb import Entry
from tui.ops.maintenance import Window


@dataclass(frozen=True)
class OpsView:
    """What a screen or a report reads of operations: a frozen copy, replaced whole on change."""

    results: tuple[ProbeResult, ...] = ()
    budget: BudgetReport = field(default_factory=lambda: BudgetReport((), False, None, None))
    incidents: tuple[Incident, ...] = ()  # copies: reading them never races a round
    http_history: Mapping[str, tuple[float | None, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )  # site → recent http latencies (None: failed)
    kb: tuple[Entry, ...] = ()
    kb_broken: tuple[str, ...] = ()
    next_escalation: float | None = None  # seconds until the next rung of a firing incident
    failing_since: Mapping[str, datetime] = field(default_factory=lambda: MappingProxyType({}))
    deliveries: tuple[Delivery, ...] = ()  # newest done first
    unverified: tuple[str, ...] = ()  # done tickets with a deliverable and no verify
    windows: tuple[Window, ...] = ()  # maintenance windows active now or starting within a day
    quiet: frozenset[str] = frozenset()  # sites in a maintenance window when it was made

    @property
    def not_live(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.ok is False]

    def incident(self, incident_id: str) -> Incident | None:
        return next((i for i in self.incidents if i.id == incident_id), None)

    @property
    def open_incidents(self) -> list[Incident]:
        return [i for i in self.incidents if i.open]


@dataclass(frozen=True)
class RoundOutcome:
    """What one round did: its results, what opened and closed, what could not be written."""

    results: tuple[ProbeResult, ...]
    opened: tuple[Incident, ...]
    resolved: tuple[Incident, ...]
    problems: tuple[str, ...]
    error: str | None  # the round raised: said, and the next round is scheduled anyway
    view: OpsView
    turned_not_live: tuple[Delivery, ...] = ()  # deliveries that failed in this round, newly


@dataclass(frozen=True)
class ActionOutcome:
    """What a person's action on an incident did: a sentence to show, problems, the new view."""

    message: str
    problems: tuple[str, ...]
    view: OpsView
