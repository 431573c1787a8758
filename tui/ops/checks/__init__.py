"""The checks the room runs, as data: one module per check (or per probe that answers for
several), each with its `Check` specs (where it runs, the SLOs it feeds and how one result counts
for them, which SLO a failure breaks) and its `Probe`. The rounds, the budgets, the incidents, the
knowledge base, the metrics and the Prometheus rules read `REGISTRY` and `PROBES`; a result says
why it failed with a `Cause`, never by the words of its detail. A new check is a new module here,
listed in `MODULES`.

Light to import: `status` reads what was recorded without loading the probes' libraries.
"""

from __future__ import annotations

from tui.base.config import Config, Site
from tui.ops.checks import backups, containers, dns_records, http_tls
from tui.ops.checks.base import (
    Cause,
    Check,
    Events,
    Probe,
    ProbeResult,
    RoundContext,
    cause_of,
)

MODULES = (http_tls, dns_records, backups, containers)
REGISTRY: dict[str, Check] = {check.name: check for m in MODULES for check in m.CHECKS}
PROBES: tuple[Probe, ...] = tuple(m.PROBE for m in MODULES)
CHECKS = tuple(REGISTRY)


def checks_for(site: Site | None, config: Config) -> tuple[str, ...]:
    """The checks that run for a site (None: the platform-wide ones), in registry order."""
    return tuple(
        name
        for name, check in REGISTRY.items()
        if check.per_site == (site is not None) and check.runs_for(site, config)
    )


def slo_keys(config: Config) -> list[tuple[str | None, str]]:
    """Every (site, SLO) the config asks for: per site where per site, platform-wide otherwise."""
    keys: list[tuple[str | None, str]] = []
    for site in [*config.sites, None]:
        for name in checks_for(site, config):
            keys += [
                (site.name if site else None, slo) for slo in REGISTRY[name].slos(site, config)
            ]
    return keys


__all__ = [
    "CHECKS",
    "PROBES",
    "REGISTRY",
    "Cause",
    "Check",
    "Events",
    "Probe",
    "ProbeResult",
    "RoundContext",
    "cause_of",
    "checks_for",
    "slo_keys",
]
