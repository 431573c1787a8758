"""The checks the room runs, as data, and what one probe of them found; light to import (a
`status` never loads the probes' event loop and TLS to read what was recorded).

`REGISTRY` holds one `Check` per check: where it runs, which SLOs it feeds and how one result
counts for them, which SLO a failure breaks. The rounds, the budgets, the incidents, the knowledge
base, the metrics and the Prometheus rules all read it; a result says why it failed with a
`Cause`, never by the words of its detail. A new check is its `Check` here plus its probe
coroutine (`tui/ops/probes.py`) and its job in the round (`tui/ops/rounds.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from tui.base.clock import iso
from tui.base.config import Config, Site


class Cause(StrEnum):
    """Why a probe failed, as far as the accounting cares (the detail says it in words)."""

    OK = "ok"
    FAILED = "failed"  # the check's own failure: a status, a time-out, a refusal, a wrong answer
    CERTIFICATE = "certificate"  # the certificate did not verify (host name, chain, self-signed)
    EXPIRED = "expired"  # the certificate is past its notAfter
    NO_SESSION = "no_session"  # no TLS session at all: the site did not answer


@dataclass(frozen=True)
class ProbeResult:
    site: str | None  # None for the platform-wide checks (backup, containers)
    check: str
    ok: bool
    latency_ms: float | None
    detail: str
    at: datetime
    extra: dict[str, Any] = field(default_factory=dict)
    cause: Cause = Cause.FAILED  # OK whenever `ok`: set in __post_init__

    def __post_init__(self) -> None:
        if self.ok and self.cause is not Cause.OK:
            object.__setattr__(self, "cause", Cause.OK)

    def to_json(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "check": self.check,
            "ok": self.ok,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 1),
            "detail": self.detail,
            "at": iso(self.at),
            **({"extra": self.extra} if self.extra else {}),
            **({} if self.ok else {"cause": self.cause.value}),
        }


def cause_of(check: str, ok: bool, detail: str) -> Cause:
    """The cause of a result recorded before causes were (its detail's words, read once here)."""
    if ok:
        return Cause.OK
    if detail.startswith("no TLS session"):
        return Cause.NO_SESSION
    if detail.startswith("certificate verify failed") or (
        check == "tls" and "certificate" in detail
    ):
        return Cause.EXPIRED if "expired" in detail else Cause.CERTIFICATE
    return Cause.FAILED


# ---------------------------------------------------------------------- the registry

Events = list[tuple[str, bool]]  # (SLO, good) for each SLO one result counts for


@dataclass(frozen=True)
class Check:
    name: str
    per_site: bool  # run for each site, or once for the platform
    slos: Callable[[Site | None, Config], tuple[str, ...]]  # the SLOs it feeds there
    events: Callable[[ProbeResult, Config], Events]  # how one result counts for them
    breaks: Callable[[ProbeResult], str | None]  # the SLO a failing result's incident is about

    def runs_for(self, site: Site | None, config: Config) -> bool:
        return bool(self.slos(site, config))


def _http_events(result: ProbeResult, config: Config) -> Events:
    if result.cause in (Cause.CERTIFICATE, Cause.EXPIRED):
        return []  # the certificate broke, not the site: its tls result spends cert_validity
    latency = result.latency_ms
    fast = result.ok and latency is not None and latency <= config.latency_p95_ms
    return [("availability", result.ok), ("latency", fast)]


def _tls_slos(site: Site | None, config: Config) -> tuple[str, ...]:
    if site is None or not site.is_https:
        return ()
    return ("tls_expiry", "cert_validity") if site.verify_tls else ("tls_expiry",)


def _tls_events(result: ProbeResult, config: Config) -> Events:
    days = result.extra.get("days_left")
    if result.cause is Cause.NO_SESSION:
        return []  # the site did not answer: availability already counts it
    if days is None:  # the handshake refused the certificate, or none was presented
        if result.cause is Cause.EXPIRED:  # past its notAfter: expiry too
            return [("cert_validity", False), ("tls_expiry", False)]
        return [("cert_validity", False)]  # host name, chain, self-signed, not yet valid
    if result.extra.get("verified") is False:  # verify_tls = false: expiry only
        return [("tls_expiry", days > config.tls_min_days)]
    return [("cert_validity", days > 0), ("tls_expiry", days > config.tls_min_days)]


def _tls_breaks(result: ProbeResult) -> str:
    if result.extra.get("days_left") is None:  # the certificate does not verify
        return "tls_expiry" if result.cause is Cause.EXPIRED else "cert_validity"
    return "tls_expiry"


def _one(name: str, slo: str, when: Callable[[Site | None, Config], bool]) -> Check:
    """A platform-wide check that feeds one SLO with its plain verdict."""
    return Check(
        name,
        per_site=False,
        slos=lambda site, config: (slo,) if when(site, config) else (),
        events=lambda result, config: [(slo, result.ok)],
        breaks=lambda result: slo,
    )


REGISTRY: dict[str, Check] = {
    "http": Check(
        "http",
        per_site=True,
        slos=lambda site, config: ("availability", "latency") if site else (),
        events=_http_events,
        breaks=lambda result: "availability",
    ),
    "tls": Check("tls", per_site=True, slos=_tls_slos, events=_tls_events, breaks=_tls_breaks),
    "dns": Check(
        "dns",
        per_site=True,
        slos=lambda site, config: ("dns",) if site and site.dns_name else (),
        events=lambda result, config: [("dns", result.ok)],
        breaks=lambda result: "dns",
    ),
    "backup": _one(
        "backup", "backups", lambda site, config: site is None and bool(config.backups_path)
    ),
    "containers": _one(
        "containers",
        "containers",
        lambda site, config: site is None and bool(config.containers_command),
    ),
}
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
