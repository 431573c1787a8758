"""What every check is made of: a probe's result and its cause, a check's spec (`Check`) and
the probe that answers for one or more checks (`Probe`), and what a round hands a probe
(`RoundContext`). Light to import: the probes' own libraries load when a round runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.base.clock import iso
from tui.base.config import Config, Site

if TYPE_CHECKING:
    import ssl


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
    if detail.startswith("certificate verify failed"):  # the handshake refused it
        return Cause.EXPIRED if "expired" in detail else Cause.CERTIFICATE
    if check == "tls" and detail.startswith("certificate expired"):  # read, past its notAfter
        return Cause.EXPIRED
    return Cause.FAILED  # as the probe says it now ("certificate expires in 3d" included)


# ---------------------------------------------------------------------- checks and probes

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


DEADLINE_MARGIN = 2.0  # seconds a probe is given past its own timeout before it is cut


def site_deadline(site: Site | None, config: Config) -> float:
    """A site's probe: its `timeout`, and the margin."""
    return (site.timeout.total_seconds() if site else 0) + DEADLINE_MARGIN


@dataclass(frozen=True)
class RoundContext:
    """What a round hands each probe."""

    root: Path
    config: Config
    now: Callable[[], datetime]
    tls: Callable[[Site], ssl.SSLContext]  # the TLS context of a site's setting, made once


@dataclass(frozen=True)
class Probe:
    """One probe of a round: the checks its results answer for (a probe that fails or hangs
    fails each of them that runs there), how to start it, and its deadline."""

    checks: tuple[str, ...]
    start: Callable[[RoundContext, Site | None], Awaitable[list[ProbeResult] | ProbeResult]]
    deadline: Callable[[Site | None, Config], float]
