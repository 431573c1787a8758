"""What the budgets pane shows: sites × SLOs, worst first, each cell a small gauge."""

from __future__ import annotations

from dataclasses import dataclass

from tui.ops.slo import SloStatus

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


def budget_rows(
    statuses: list[SloStatus] | tuple[SloStatus, ...], sites: list[str]
) -> list[BudgetRow]:
    by_key = {(s.site, s.name): s for s in statuses}
    rows = []
    for site in sites:
        mine = [by_key.get((site, name)) for name in SITE_SLOS]
        known = [
            s.budget_remaining for s in mine if s is not None and s.budget_remaining is not None
        ]
        rows.append(BudgetRow(site, site, tuple(gauge(s) for s in mine), min(known, default=2.0)))
    return sorted(rows, key=lambda row: (row.worst, row.site))


def platform_gauges(statuses: list[SloStatus] | tuple[SloStatus, ...]) -> list[tuple[str, Gauge]]:
    return [(SHORT[s.name], gauge(s)) for s in statuses if s.site is None]
