"""`sisyphus-room rules`: Prometheus recording and alerting rules for the configured SLOs.

Computed from the watcher's counters `sisyphus_slo_events_total` and
`sisyphus_slo_bad_events_total`, which count exactly the events the room's own history counts, so
the rules and the room say the same thing about the same probes. Named as Sloth names them
(`slo:sli_error:ratio_rate5m`, `sloth_id`, `sloth_service`, `sloth_slo`, `sloth_window`), so
Sloth's dashboards and habits carry over. The alerts are the room's multiwindow, multi-burn-rate
table (`tui.ops.slo.MULTIWINDOW`), row for row.

With several watchers (one per vantage point) the counters are summed over `vantage`: the error
ratio is the share of all probes, from every vantage point, that were bad. A site down from one of
three vantage points burns budget at a third of the rate of a site down from all.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import yaml

from tui.base.config import Config
from tui.base.durations import format_duration
from tui.ops.checks import slo_keys
from tui.ops.slo import MULTIWINDOW, target_of

WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
SERVICE = "sisyphus"


def slos_of(config: Config) -> list[tuple[str, str]]:
    """(site, slo) of every SLO the room counts (`checks.slo_keys`: the one list), site
    "platform" for backups and containers: rules, alerts and metric series for exactly those."""
    return [(site or "platform", name) for site, name in slo_keys(config)]


def prometheus_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def quoted(value: str) -> str:
    """A PromQL string literal: the value in double quotes, its backslashes and quotes escaped."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _ratio(site: str, slo: str, window: str) -> str:
    selector = f"site={quoted(site)},slo={quoted(slo)}"
    return (
        f"(sum(rate(sisyphus_slo_bad_events_total{{{selector}}}[{window}]))"
        f" / sum(rate(sisyphus_slo_events_total{{{selector}}}[{window}])))"
    )


def rules(config: Config) -> dict[str, Any]:
    """The rule file, as a mapping (`render` writes it as YAML)."""
    period = prometheus_duration(config.slo_window)
    groups = []
    for site, slo in slos_of(config):
        target = target_of(slo, config)
        budget = round(1 - target, 10)
        sloth_id = f"{site}-{slo}"
        labels = {"sloth_id": sloth_id, "sloth_service": site, "sloth_slo": slo}
        match = (
            f"sloth_id={quoted(sloth_id)}, sloth_service={quoted(site)}, sloth_slo={quoted(slo)}"
        )
        windows = [*WINDOWS, period] if period not in WINDOWS else list(WINDOWS)
        groups.append(
            {
                "name": f"sloth-slo-sli-recordings-{sloth_id}",
                "rules": [
                    {
                        "record": f"slo:sli_error:ratio_rate{window}",
                        "expr": _ratio(site, slo, window),
                        "labels": labels | {"sloth_window": window},
                    }
                    for window in windows
                ],
            }
        )
        groups.append(
            {
                "name": f"sloth-slo-meta-recordings-{sloth_id}",
                "rules": [
                    {
                        "record": "slo:objective:ratio",
                        "expr": f"vector({target})",
                        "labels": labels,
                    },
                    {
                        "record": "slo:error_budget:ratio",
                        "expr": f"vector({budget})",
                        "labels": labels,
                    },
                    {
                        "record": "slo:time_period:days",
                        "expr": f"vector({config.slo_window.total_seconds() / 86400:g})",
                        "labels": labels,
                    },
                    {
                        "record": "slo:current_burn_rate:ratio",
                        "expr": f"slo:sli_error:ratio_rate5m{{{match}}} / on(sloth_id, sloth_slo, "
                        f"sloth_service) group_left slo:error_budget:ratio{{{match}}}",
                        "labels": labels,
                    },
                    {
                        "record": "slo:period_burn_rate:ratio",
                        "expr": f"slo:sli_error:ratio_rate{period}{{{match}}} / on(sloth_id, "
                        f"sloth_slo, sloth_service) group_left slo:error_budget:ratio{{{match}}}",
                        "labels": labels,
                    },
                    {
                        "record": "slo:period_error_budget_remaining:ratio",
                        "expr": f"1 - slo:period_burn_rate:ratio{{{match}}}",
                        "labels": labels,
                    },
                ],
            }
        )
        alerts = []
        for severity in ("page", "ticket"):
            rows = [row for row in MULTIWINDOW if row.severity == severity]
            if not rows:
                continue
            parts = [
                f"(max(slo:sli_error:ratio_rate{row.short}{{{match}}} > ({row.factor:g} * {budget}))"
                f" without (sloth_window) and max(slo:sli_error:ratio_rate{row.long}{{{match}}}"
                f" > ({row.factor:g} * {budget})) without (sloth_window))"
                for row in rows
            ]
            windows_said = ", ".join(
                f"{row.factor:g}× over {row.long} and {row.short}" for row in rows
            )
            # Quiet while the site is in a maintenance window (any watcher says so).
            planned = f"(max(sisyphus_maintenance{{site={quoted(site)}}}) == 1)"
            alerts.append(
                {
                    "alert": "SisyphusErrorBudgetBurn",
                    "expr": "(\n" + "\nor\n".join(parts) + f"\n) unless on() {planned}",
                    "labels": {"severity": severity, "site": site, "slo": slo} | labels,
                    "annotations": {
                        "summary": f"{site} {slo}: error budget burning ({severity})",
                        "description": f"Burn rate above {windows_said} "
                        f"(target {target}, window {format_duration(config.slo_window)}).",
                    },
                }
            )
        groups.append({"name": f"sloth-slo-alerts-{sloth_id}", "rules": alerts})
    return {"groups": groups}


def render(config: Config) -> str:
    header = (
        "# Prometheus rules for the Sisyphus SLOs, written by `sisyphus-room rules`.\n"
        "# Recording rules in Sloth's naming; alerts from the room's multiwindow burn-rate table.\n"
    )
    return header + yaml.safe_dump(rules(config), sort_keys=False, width=1000)
