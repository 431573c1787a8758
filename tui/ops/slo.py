"""The seven SLOs, their error budgets and burn rates, as the SRE workbook defines them.

An SLO counts *events*: each probe is good or bad for it. Over the window,
remaining budget = 1 − (bad share ÷ (1 − target)): 1.0 when nothing was bad, 0 when the budget is
spent, below 0 when overspent. A burn rate is the bad share over a period divided by (1 − target):
1× spends the budget exactly over the window. No events means *unknown*, never good.

Checks that are pass/fail by nature (tls_expiry, cert_validity, dns, backups, containers) would have
a 100 % target and so no budget at all; the room gives them BINARY_TARGET (99 %) so that one bad
probe spends budget visibly instead of dividing by zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tui.base.config import Config
from tui.ops.checks import REGISTRY, ProbeResult

SLO_NAMES = (
    "availability",
    "latency",
    "containers",
    "tls_expiry",
    "backups",
    "dns",
    "cert_validity",
)
BINARY_TARGET = 0.99
MIN_EVENTS = 10  # a budget from fewer probes is not evidence: not shown as spent, never a freeze
# Low traffic (the SRE workbook's advice): a burn-rate alert needs at least MIN_BAD bad events in
# its long window, and a freeze as many in the SLO window; else one blip among a new site's first
# probes is a 6× burn, a page and a freeze.
MIN_BAD = 3
LATENCY_TARGET = 0.95  # "95 % of probes under latency_p95_ms"
BURN_WINDOWS = {
    "5m": timedelta(minutes=5),
    "30m": timedelta(minutes=30),
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    "3d": timedelta(days=3),
}


@dataclass(frozen=True)
class BurnAlert:
    """One row of the multiwindow, multi-burn-rate table."""

    factor: float
    long: str
    short: str
    severity: str  # "page" or "ticket"


MULTIWINDOW = (
    BurnAlert(14.4, "1h", "5m", "page"),
    BurnAlert(6.0, "6h", "30m", "page"),
    BurnAlert(1.0, "3d", "6h", "ticket"),
)


def events(result: ProbeResult, config: Config) -> list[tuple[str, bool]]:
    """Which SLOs one probe result counts for, and whether it was good for each (its check's
    rule, in `tui.ops.checks.REGISTRY`)."""
    check = REGISTRY.get(result.check)
    return check.events(result, config) if check is not None else []


def target_of(name: str, config: Config) -> float:
    if name == "availability":
        return config.availability
    if name == "latency":
        return LATENCY_TARGET
    return BINARY_TARGET


@dataclass(frozen=True)
class Counts:
    good: int = 0
    total: int = 0

    @property
    def bad(self) -> int:
        return self.total - self.good

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.good + other.good, self.total + other.total)


def remaining(counts: Counts, target: float) -> float | None:
    """Share of the error budget left; None when nothing was measured (unknown)."""
    if counts.total == 0:
        return None
    return 1.0 - (counts.bad / counts.total) / (1.0 - target)


def burn_rate(counts: Counts, target: float) -> float | None:
    if counts.total == 0:
        return None
    return (counts.bad / counts.total) / (1.0 - target)


@dataclass(frozen=True)
class SloStatus:
    site: str | None
    name: str
    target: float
    window: Counts
    burn: dict[str, float | None]
    frozen: bool
    alerts: tuple[str, ...]  # severities of multiwindow rows that fire now

    @property
    def sli(self) -> float | None:
        return self.window.good / self.window.total if self.window.total else None

    @property
    def budget_remaining(self) -> float | None:
        return remaining(self.window, self.target)

    @property
    def judged(self) -> bool:
        """Enough probes in the window to judge the budget (MIN_EVENTS)."""
        return self.window.total >= MIN_EVENTS

    def to_json(self) -> dict[str, object]:
        def rounded(value: float | None, digits: int = 4) -> float | None:
            return None if value is None else round(value, digits)

        return {
            "site": self.site,
            "name": self.name,
            "target": self.target,
            "sli": rounded(self.sli),
            "budget_remaining": rounded(self.budget_remaining),
            "burn_rate_1h": rounded(self.burn.get("1h"), 2),
            "burn_rates": {key: rounded(value, 2) for key, value in self.burn.items()},
            "events": self.window.total,
            "bad_events": self.window.bad,
            "frozen": self.frozen,
            "judged": self.judged,
            "alerts": list(self.alerts),
        }


def firing(
    burn: dict[str, float | None], periods: dict[str, Counts] | None = None
) -> tuple[str, ...]:
    """Severities of the multiwindow rows whose long and short burn rates both reach the factor,
    with (given the counts) at least MIN_BAD bad events in the long window."""
    found = []
    for row in MULTIWINDOW:
        long, short = burn.get(row.long), burn.get(row.short)
        if long is None or short is None or long < row.factor or short < row.factor:
            continue
        if periods is not None and periods.get(row.long, Counts()).bad < MIN_BAD:
            continue  # a blip, not a burn
        found.append(row.severity)
    return tuple(found)


def evidence(window: Counts) -> bool:
    """Whether the window is evidence enough for a freeze: MIN_EVENTS probes, MIN_BAD of them bad
    (one blip among a new site's first probes spends its whole budget on paper)."""
    return window.total >= MIN_EVENTS and window.bad >= MIN_BAD


def evaluate(
    keys: Iterable[tuple[str | None, str]],
    counts_for: dict[tuple[str | None, str], dict[str, Counts]],
    config: Config,
) -> list[SloStatus]:
    """SLO statuses from the counts over the window ("window") and each burn period."""
    statuses = []
    for site, name in keys:
        periods = counts_for.get((site, name), {})
        target = target_of(name, config)
        window = periods.get("window", Counts())
        burn = {label: burn_rate(periods.get(label, Counts()), target) for label in BURN_WINDOWS}
        left = remaining(window, target)
        statuses.append(
            SloStatus(
                site=site,
                name=name,
                target=target,
                window=window,
                burn=burn,
                frozen=evidence(window) and left is not None and left < config.freeze_below,
                alerts=firing(burn, periods),
            )
        )
    return statuses


def projected_recovery(
    hourly_bad: list[tuple[datetime, Counts]],
    target: float,
    freeze_below: float,
    window: timedelta,
    now: datetime,
) -> datetime | None:
    """When the budget climbs back over the freeze line if nothing else goes wrong.

    Old bad hours leave the window one by one; good probes keep coming at the recent rate.
    None when it cannot be projected (no data, or never within one more window).
    """
    if not hourly_bad:
        return None
    buckets = sorted((int(moment.timestamp()), counts) for moment, counts in hourly_bad)
    good = sum(c.good for _, c in buckets)
    total = sum(c.total for _, c in buckets)
    per_hour = max(total / len(buckets), 1.0)
    first = 0  # buckets before this one have left the window (one pass: the start only moves on)
    start = int((now - window).timestamp())
    for hours in range(0, int(window.total_seconds() // 3600) + 1):
        while first < len(buckets) and buckets[first][0] < start + hours * 3600:
            good -= buckets[first][1].good
            total -= buckets[first][1].total
            first += 1
        added = int(per_hour * hours)
        left = remaining(Counts(good + added, total + added), target)
        if left is not None and left >= freeze_below:
            return now + timedelta(hours=hours)
    return None


def budget_trend(hourly: list[tuple[datetime, Counts]], target: float) -> list[float | None]:
    """The remaining budget as it stood at the end of each hour of the window (for a sparkline)."""
    trend: list[float | None] = []
    running = Counts()
    for _, counts in hourly:
        running = running + counts
        trend.append(remaining(running, target))
    return trend
