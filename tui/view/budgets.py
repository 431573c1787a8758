"""What the budgets pane shows: sites × SLOs, worst first, each cell a small gauge."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tui.ops.incident_record import Incident
from tui.ops.slo import BURN_WINDOWS, MIN_EVENTS, MULTIWINDOW, SloStatus
from tui.ops.suspects import words as suspect_words
from tui.view.probes import sparkline

SITE_SLOS = ("availability", "latency", "tls_expiry", "cert_validity", "dns")
SHORT = {
    "availability": "avail",
    "latency": "p95",
    "tls_expiry": "tls",
    "cert_validity": "cert",
    "dns": "dns",
    "backups": "backups",
    "containers": "containers",
}
LEVELS = " ▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class Gauge:
    text: str
    state: str  # "good", "low" (under 50 %), "frozen" (under the freeze line), "unknown", "none"


def gauge(status: SloStatus | None) -> Gauge:
    if status is None:
        return Gauge("·", "none")
    left = status.budget_remaining
    if left is None:
        return Gauge("?", "unknown")
    if not status.judged:  # too few probes to judge: no gauge, the count so far
        return Gauge(f"n={status.window.total}", "unknown")
    share = max(min(left, 1.0), 0.0)
    block = LEVELS[round(share * 8)] if share > 0 else "✗"
    text = f"{block}{share * 100:3.0f}%" if left > 0 else "✗ 0%"
    state = "frozen" if status.frozen else "low" if left < 0.5 else "good"
    return Gauge(text, state)


@dataclass(frozen=True)
class BudgetRow:
    key: str
    site: str
    cells: tuple[Gauge, ...]
    worst: float


def budget_rows(statuses: Sequence[SloStatus], sites: list[str]) -> list[BudgetRow]:
    by_key = {(s.site, s.name): s for s in statuses}
    rows = []
    for site in sites:
        mine = [by_key.get((site, name)) for name in SITE_SLOS]
        known = [
            s.budget_remaining for s in mine if s is not None and s.budget_remaining is not None
        ]
        rows.append(BudgetRow(site, site, tuple(gauge(s) for s in mine), min(known, default=2.0)))
    return sorted(rows, key=lambda row: (row.worst, row.site))


def platform_gauges(statuses: Sequence[SloStatus]) -> list[tuple[str, Gauge]]:
    return [(SHORT[s.name], gauge(s)) for s in statuses if s.site is None]


@dataclass(frozen=True)
class BudgetsSummary:
    """Everything the budgets pane shows."""

    rows: tuple[BudgetRow, ...]
    platform: tuple[tuple[str, Gauge], ...]
    note: str
    title: str


def budgets_summary(statuses: Sequence[SloStatus], sites: Sequence[str]) -> BudgetsSummary:
    note = ""
    if not statuses:
        note = "No SLOs: configure [[sites]], [backups] or [containers] in sisyphus.toml."
    elif all(s.budget_remaining is None for s in statuses):
        note = "Unknown until probes have run: missing data never counts as good."
    frozen = sum(1 for s in statuses if s.frozen)
    title = f"Error budgets · {len(statuses)} SLOs" + (
        f" · {frozen} under the freeze line" if frozen else ""
    )
    return BudgetsSummary(
        tuple(budget_rows(statuses, list(sites))), tuple(platform_gauges(statuses)), note, title
    )


def budget_detail(
    site: str,
    statuses: Sequence[SloStatus],
    trends: Mapping[str, list[float | None]],
    lifts_at: datetime | None = None,
    apart: Mapping[str, int] | None = None,
    incidents: Sequence[Incident] = (),
) -> list[tuple[str, str]]:
    """One site's budgets in full, as (text, tone) pieces: target, SLI, budget, burn, trend;
    when one of them freezes deploys, when the freeze is projected to lift; the bad events kept
    apart in maintenance windows (`apart`, by SLO); the incidents that spent it and their
    suspects."""
    pieces: list[tuple[str, str]] = [(f"{site}: error budgets over the window\n\n", "bold")]
    if any(status.frozen for status in statuses):
        lift = (
            f"lifts ~{lifts_at:%m-%d %H:%M}Z if probes pass (projected)"
            if lifts_at
            else "no lift projected within the SLO window"
        )
        pieces.append((f"DEPLOY FREEZE: {lift}\n\n", "error"))
    for status in statuses:
        pieces.append((status.name, "bold"))
        pieces.append((f"  target {status.target * 100:g}%  ", "plain"))
        sli = "unknown" if status.sli is None else f"{status.sli * 100:.3f}%"
        pieces.append(
            (f"SLI {sli} over {status.window.total} probes ({status.window.bad} bad)\n", "plain")
        )
        pieces.append(
            (
                f"  {budget_words(status.budget_remaining, status.window.total)}\n",
                "error" if status.frozen else "plain",
            )
        )
        burns = "  ".join(
            f"{label} {'?' if status.burn.get(label) is None else f'{status.burn[label]:.1f}×'}"
            for label in BURN_WINDOWS
        )
        pieces.append((f"  burn rates: {burns}\n", "muted"))
        kept = (apart or {}).get(status.name, 0)
        if kept:
            pieces.append((f"  {kept} bad events in maintenance, not counted\n", "accent"))
        if status.alerts:
            pieces.append((f"  multiwindow alert: {', '.join(status.alerts)}\n", "error"))
        trend = trends.get(status.name) or []
        if trend:
            line = sparkline([None if v is None else max(v, 0.0) for v in trend], width=60)
            pieces.append((f"  budget over the window (hourly): {line}\n", "accent"))
        pieces.append(("\n", "plain"))
    spent = [i for i in incidents if i.site == site and i.slo]
    if spent:
        pieces.append(("Incidents that spent it\n", "bold"))
        for incident in spent:
            burned = (
                "?" if incident.budget_burned is None else f"{incident.budget_burned * 100:.1f}%"
            )
            pieces.append(
                (
                    f"  {incident.id} ({incident.state}): {incident.slo}, {burned} of the budget\n",
                    "plain",
                )
            )
            for suspect in incident.suspects:
                pieces.append((f"    suspect: {suspect_words(suspect)}\n", "warning"))
    pieces.append(("Multiwindow alerting: ", "bold"))
    pieces.append(
        (
            "; ".join(
                f"{row.factor:g}× over {row.long} and {row.short} → {row.severity}"
                for row in MULTIWINDOW
            ),
            "plain",
        )
    )
    return pieces


def budget_words(left: float | None, events: int = MIN_EVENTS) -> str:
    """'62% of the budget left', 'budget spent', or 'unknown (nothing measured)'."""
    if left is None:
        return "unknown (nothing measured)"
    if events < MIN_EVENTS:
        return f"too few probes to judge ({events} of {MIN_EVENTS})"
    if left <= 0:
        return "budget spent" + (f" ({1 - left:.1f}× the budget burned)" if left < 0 else "")
    return f"{left * 100:.0f}% of the budget left"
