"""The `http` and `tls` checks: one GET from the outside, as a visitor's (redirects followed,
latency to the status line), and the certificate it met (chain, host name, days to `notAfter`).

`http` feeds availability and latency; `tls` feeds tls_expiry and, where `verify_tls` holds,
cert_validity. A certificate that does not verify is the tls check's failure, not the site's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.base.config import Config, Site
from tui.base.durations import format_duration
from tui.base.sanitize import clean, redact_url
from tui.ops.checks.base import (
    Cause,
    Check,
    Events,
    Probe,
    ProbeResult,
    RoundContext,
    site_deadline,
)
from tui.ops.failures import certificate_cause, failure_reason

if TYPE_CHECKING:
    import ssl


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


CHECKS = (
    Check(
        "http",
        per_site=True,
        slos=lambda site, config: ("availability", "latency") if site else (),
        events=_http_events,
        breaks=lambda result: "availability",
    ),
    Check("tls", per_site=True, slos=_tls_slos, events=_tls_events, breaks=_tls_breaks),
)


def _certificate_days(ssl_object: ssl.SSLObject | None, now: datetime) -> float | None:
    import ssl

    if ssl_object is None:
        return None
    cert = ssl_object.getpeercert()
    if cert and "notAfter" in cert:
        expires = float(ssl.cert_time_to_seconds(str(cert["notAfter"])))
    else:  # not verified (verify_tls = false): the certificate is still there, in DER
        der = ssl_object.getpeercert(binary_form=True)
        if not der:
            return None
        from cryptography import x509

        expires = x509.load_der_x509_certificate(der).not_valid_after_utc.timestamp()
    return (expires - now.timestamp()) / 86400


async def probe_http(
    tls: ssl.SSLContext, site: Site, config: Config, now: Callable[[], datetime]
) -> list[ProbeResult]:
    """GET the site (redirects followed): the http result, and for https the tls result. The
    whole exchange, redirects included, has the site's `timeout`."""
    import asyncio

    from tui.ops import http_get

    results: list[ProbeResult] = []
    where = [site.url]
    try:
        async with asyncio.timeout(site.timeout.total_seconds()):
            answer = await http_get.get(site.url, tls, where)
        latency, status = answer.latency_ms, answer.status
        days = _certificate_days(answer.ssl_object, now()) if site.is_https else None
        phrase = clean(answer.reason)
    except Exception as exc:  # every failure is a result
        reason = failure_reason(exc)
        if where[0] != site.url:
            reason = clean(f"{reason} at {redact_url(where[0])} (after a redirect)")
        cause = certificate_cause(exc, reason)
        results.append(ProbeResult(site.name, "http", False, None, reason, now(), cause=cause))
        if site.is_https:
            if cause is Cause.FAILED:
                tls_result = ProbeResult(
                    site.name, "tls", False, None, f"no TLS session: {reason}", now(),
                    cause=Cause.NO_SESSION,
                )  # fmt: skip
            else:
                tls_result = ProbeResult(site.name, "tls", False, None, reason, now(), cause=cause)
            results.append(tls_result)
        return results
    ok = status == site.expect_status
    detail = f"{status} {phrase}".strip() + ("" if ok else f" (expected {site.expect_status})")
    results.append(ProbeResult(site.name, "http", ok, latency, detail, now(), {"status": status}))
    if site.is_https:
        if days is None:
            results.append(
                ProbeResult(site.name, "tls", False, None, "no certificate was presented", now())
            )
        else:
            left = format_duration(timedelta(days=abs(days)))
            text = (
                f"certificate expired {left} ago" if days < 0 else f"certificate expires in {left}"
            )
            cause = Cause.EXPIRED if days < 0 else Cause.FAILED
            extra: dict[str, Any] = {"days_left": round(days, 2)}
            if not site.verify_tls:  # the expiry is read all the same; the chain is not judged
                text += " (chain not verified: verify_tls = false)"
                extra["verified"] = False
            results.append(
                ProbeResult(
                    site.name, "tls", days > config.tls_min_days, None, text, now(), extra, cause
                )
            )
    return results


async def _start(context: RoundContext, site: Site | None) -> list[ProbeResult]:
    assert site is not None
    missing = site.ca_file and not Path(site.ca_file).is_absolute()
    if missing and not (context.root / str(site.ca_file)).exists():
        detail = f"ca_file {site.ca_file} not found"
        return [ProbeResult(site.name, "http", False, None, detail, context.now())]
    return await probe_http(context.tls(site), site, context.config, context.now)


PROBE = Probe(
    ("http", "tls"),
    start=_start,
    deadline=site_deadline,
)
