"""Probes from the outside, as a visitor sees the sites: HTTP, TLS, DNS and backups.

Every outcome is a `ProbeResult` value with a short exact `detail`, never an exception: a probe
that raises, hangs or meets garbage becomes a failing result and the others go on. The containers
probe is in `containers.py`; a round of them all in `rounds.py`.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tui.base.config import Config, Site
from tui.base.durations import format_duration
from tui.base.sanitize import clean, redact_url, shorten
from tui.ops import http_get
from tui.ops.checks import Cause, ProbeResult

X509_V_ERR_CERT_HAS_EXPIRED = 10  # OpenSSL's verify code for a certificate past its notAfter


def failure_reason(exc: BaseException) -> str:
    """A short, exact wording of a connection failure."""
    import httpx

    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    for link in chain:
        if isinstance(link, ConnectionRefusedError) or getattr(link, "errno", None) == 111:
            return "connection refused"
        if isinstance(link, ConnectionResetError) or getattr(link, "errno", None) == 104:
            return "connection reset by peer"
        if isinstance(link, ssl.SSLCertVerificationError):
            exc = link
            break
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if isinstance(exc, ssl.SSLCertVerificationError) or "certificate verify failed" in lowered:
        verify = getattr(exc, "verify_message", None)
        if verify:
            return f"certificate verify failed: {verify}"
        return "certificate verify failed: " + text.split("certificate verify failed:")[-1].strip(
            " ()_"
        )
    if "connection refused" in lowered or "errno 111" in lowered:
        return "connection refused"
    if isinstance(exc, httpx.TimeoutException | asyncio.TimeoutError | TimeoutError):
        return "timed out"
    if isinstance(exc, httpx.RemoteProtocolError | http_get.ClosedEarly):
        return "connection closed without a response"
    if "reset by peer" in lowered:
        return "connection reset by peer"
    if isinstance(exc, httpx.ReadError | http_get.ReadBroken):
        return "connection broken while the answer was read"
    if "name or service not known" in lowered or "nodename nor servname" in lowered:
        return "host name does not resolve"
    return shorten(clean(f"{type(exc).__name__}: {text}"), 160)


def certificate_cause(exc: BaseException) -> Cause:
    """EXPIRED or CERTIFICATE when the handshake refused the certificate; FAILED otherwise."""
    seen: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and link not in seen:
        seen.append(link)
        if isinstance(link, ssl.SSLCertVerificationError):
            expired = link.verify_code == X509_V_ERR_CERT_HAS_EXPIRED
            return Cause.EXPIRED if expired else Cause.CERTIFICATE
        link = link.__cause__ or link.__context__
    text = str(exc).lower()
    if "certificate verify failed" in text:  # the words alone (a wrapped error)
        return Cause.EXPIRED if "expired" in text else Cause.CERTIFICATE
    return Cause.FAILED


def _certificate_days(ssl_object: ssl.SSLObject | None, now: datetime) -> float | None:
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
        cause = certificate_cause(exc)
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


def _names(values: Iterable[Any]) -> set[str]:
    return {str(value).lower().rstrip(".") for value in values}


def _show(names: set[str]) -> str:
    return "{" + ", ".join(sorted(names)) + "}"


async def probe_dns(site: Site, now: Callable[[], datetime]) -> ProbeResult:
    """The NS and A sets of `dns_name`, compared as sets with what the config expects."""
    import dns.asyncresolver
    import dns.exception
    import dns.resolver

    assert site.dns_name is not None
    resolver = dns.asyncresolver.Resolver(configure=site.nameserver is None)
    if site.nameserver:
        host, _, port = (
            site.nameserver.rpartition(":")
            if ":" in site.nameserver
            else (site.nameserver, "", "53")
        )
        resolver.nameservers = [host]
        resolver.port = int(port)
    lifetime = min(site.timeout.total_seconds(), 10.0)
    start = time.perf_counter()
    problems = []
    try:
        for rdtype, expected in (("NS", site.expect_ns), ("A", site.expect_a)):
            if expected is None and rdtype == "NS":
                continue
            if expected is None:  # no A set asked for: the name must resolve, A or AAAA
                try:
                    await resolver.resolve(site.dns_name, "A", lifetime=lifetime)
                except dns.resolver.NoAnswer:
                    await resolver.resolve(site.dns_name, "AAAA", lifetime=lifetime)
                continue
            answer = await resolver.resolve(site.dns_name, rdtype, lifetime=lifetime)
            got = _names(answer)
            if got != _names(expected):
                problems.append(f"{rdtype} {_show(got)} ≠ expected {_show(_names(expected))}")
    except dns.resolver.NXDOMAIN:
        return ProbeResult(
            site.name, "dns", False, None, f"NXDOMAIN: {site.dns_name} does not exist", now()
        )
    except dns.resolver.NoAnswer as exc:
        return ProbeResult(site.name, "dns", False, None, clean(f"no answer: {exc}"), now())
    except dns.resolver.NoNameservers as exc:
        return ProbeResult(site.name, "dns", False, None, _no_nameservers(exc), now())
    except dns.exception.Timeout:
        return ProbeResult(site.name, "dns", False, None, f"timed out after {lifetime:g} s", now())
    except Exception as exc:
        return ProbeResult(site.name, "dns", False, None, failure_reason(exc), now())
    latency = (time.perf_counter() - start) * 1000
    if problems:
        return ProbeResult(site.name, "dns", False, latency, "; ".join(problems), now())
    return ProbeResult(site.name, "dns", True, latency, "NS and A as expected", now())


def _no_nameservers(exc: Exception) -> str:
    """SERVFAIL and REFUSED told apart, from the answers dnspython kept."""
    import dns.rcode

    codes = set()
    for error in getattr(exc, "kwargs", {}).get("errors", []) or []:
        response = error[4] if len(error) > 4 else None
        if response is not None:
            codes.add(dns.rcode.to_text(response.rcode()))
    if codes:
        return f"{' and '.join(sorted(codes))} from every name server"
    return "no name server answered"


def probe_backup(root: Path, config: Config, now: datetime) -> ProbeResult:
    """Age of the newest file under `[backups].path` against `backup_max_age`."""
    assert config.backups_path is not None
    folder = Path(config.backups_path)
    folder = folder if folder.is_absolute() else root / folder
    newest: float | None = None
    future = 0  # files dated ahead of now: not fresh backups, clock skew or a forged date
    limit = now.timestamp() + 60
    stack = [folder]
    try:
        while stack:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(Path(entry.path))
                    elif entry.is_file() and not entry.name.startswith("."):
                        mtime = entry.stat().st_mtime
                        if mtime > limit:
                            future += 1
                            continue
                        newest = mtime if newest is None else max(newest, mtime)
    except FileNotFoundError:
        return ProbeResult(
            None, "backup", False, None, f"no backup folder at {clean(str(folder))}", now
        )
    except OSError as exc:
        return ProbeResult(
            None, "backup", False, None, clean(f"cannot read {folder}: {exc.strerror}"), now
        )
    skewed = (
        f"; {future} file{'s' if future > 1 else ''} dated in the future left out" if future else ""
    )
    if newest is None:
        return ProbeResult(
            None, "backup", False, None, f"no backup found under {clean(str(folder))}{skewed}", now
        )
    age = timedelta(seconds=now.timestamp() - newest)
    ok = age <= config.backup_max_age
    detail = (
        f"newest backup is {format_duration(age)} old"
        + ("" if ok else f" (limit {format_duration(config.backup_max_age)})")
        + skewed
    )
    return ProbeResult(None, "backup", ok, None, detail, now, {"age_s": int(age.total_seconds())})
