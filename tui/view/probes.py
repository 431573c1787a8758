"""What the probes pane shows: one row per site (and one for the platform), worst first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tui.base.durations import format_duration
from tui.ops.checks import ProbeResult

BARS = "▁▂▃▄▅▆▇█"


TREND_WIDTH = 7  # the last rounds' latencies that fit the probes pane's trend column
TREND_FLOOR_MS = 20.0  # a trend spans at least this: a millisecond or two of jitter is not a trend


def sparkline(values: list[float | None], width: int = 10, floor: float = 0.0) -> str:
    """Recent values as block characters; a missing value (a failed probe) is a space."""
    recent = values[-width:]
    known = [v for v in recent if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    # The scale is at least half the highest value, and at least `floor`: a steady site's jitter
    # (a few percent of 200 ms, or a millisecond of a site next door that answers in one, with a
    # floor of TREND_FLOOR_MS) draws a flat line and repaints nothing; a slowdown fills the bars.
    span = max(high - low, high * 0.5, floor) or 1.0
    return "".join(
        " " if v is None else BARS[min(int((v - low) / span * 7.999), 7)] for v in recent
    )


@dataclass(frozen=True)
class Cell:
    text: str
    state: str  # "ok", "fail" or "none" (not configured / not yet measured)


@dataclass(frozen=True)
class SiteRow:
    key: str
    name: str
    http: Cell
    tls: Cell
    dns: Cell
    latency: str
    slow: bool  # the answer took longer than latency_p95_ms: the latency SLO's bad event
    trend: str
    failing: bool


def _cell(result: ProbeResult | None, check: str) -> Cell:
    if result is None:
        return Cell("·", "none")
    mark = "✓" if result.ok else "✗"
    if check == "http":
        status = result.extra.get("status")
        short = str(status) if status is not None else _short(result.detail)
    elif check == "tls":
        days = result.extra.get("days_left")
        short = (
            _short(result.detail) if days is None else f"{int(days)}d" if days < 1000 else "999d+"
        )
    elif check == "backup":
        short = backup_age(result)
    else:
        short = "" if result.ok else _short(result.detail)
    return Cell(f"{mark} {short}".strip(), "ok" if result.ok else "fail")


SHORT = (  # a cell's word for a failure: whole words, never a cut one (the detail has the rest)
    ("connection refused", "refused"),
    ("reset by peer", "reset"),
    ("timed out", "timeout"),
    ("no answer within", "timeout"),
    ("does not resolve", "no host"),
    ("no TLS session", "no TLS"),
    ("certificate", "cert"),
    ("NXDOMAIN", "nxdomain"),
    ("SERVFAIL", "servfail"),
    ("REFUSED", "refused"),
    ("≠ expected", "differs"),
    ("closed without", "closed"),
)


def _short(detail: str) -> str:
    for phrase, word in SHORT:
        if phrase in detail:
            return word
    first = detail.split(":")[0].split(" ")[0]
    return first if len(first) <= 8 else "failed"


def backup_age(result: ProbeResult) -> str:
    seconds = result.extra.get("age_s")
    if seconds is None:
        return ""
    from datetime import timedelta

    return format_duration(timedelta(seconds=seconds))


def latency_text(ms: float) -> str:
    """Latency in steps a person reads ("8 ms", "35 ms", "120 ms", "1.2 s": to 1 ms under 10 ms,
    to 5 ms under 100, to 10 ms under a second): a steady site's jitter of a millisecond or two
    does not repaint its cell every round over a slow link."""
    if ms < 10:
        return f"{ms:.0f} ms"
    step = 5 if ms < 100 else 10
    rounded = round(ms / step) * step
    return f"{rounded:.0f} ms" if rounded < 1000 else f"{ms / 1000:.1f} s"


def site_rows(
    latest: Sequence[ProbeResult],
    history: Mapping[str, Sequence[float | None]],
    sites: list[str],
    waiting: frozenset[str] = frozenset(),
    slow_ms: float = float("inf"),
    planned: frozenset[str] = frozenset(),
) -> list[SiteRow]:
    """`waiting`: sites the round under way has not heard from yet (their last result shows);
    `planned`: sites in a maintenance window (marked `maint`: shown, not counted)."""
    by_key = {(r.site, r.check): r for r in latest}
    failing_sites = {site for (site, _), r in by_key.items() if not r.ok}  # once, not per site
    rows = []
    for name in sites:
        http = by_key.get((name, "http"))
        rows.append(
            SiteRow(
                key=name,
                name=f"{name} maint" if name in planned else name,
                http=_cell(http, "http"),
                tls=_cell(by_key.get((name, "tls")), "tls"),
                dns=_cell(by_key.get((name, "dns")), "dns"),
                slow=bool(http and http.latency_ms is not None and http.latency_ms > slow_ms),
                latency="waiting…"
                if name in waiting
                else latency_text(http.latency_ms)
                if http and http.latency_ms is not None
                else "—",
                trend=sparkline(list(history.get(name, [])), TREND_WIDTH, TREND_FLOOR_MS),
                failing=name in failing_sites,
            )
        )
    return sorted(rows, key=lambda row: (not row.failing, row.name))


def platform_cells(latest: Sequence[ProbeResult]) -> list[tuple[str, Cell, str]]:
    """The platform-wide checks: (label, mark, detail) for backups and containers."""
    found = []
    for result in latest:
        if result.site is None:
            label = "backups" if result.check == "backup" else result.check
            found.append(
                (
                    label,
                    Cell("✓" if result.ok else "✗", "ok" if result.ok else "fail"),
                    result.detail,
                )
            )
    return sorted(found)
