"""The `dns` check: the NS and A sets of a site's `dns_name`, compared as sets with what the
config expects (at `nameserver` when given); NXDOMAIN, SERVFAIL/REFUSED and time-outs told apart.
dnspython loads when a round first runs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from tui.base.config import Site
from tui.base.sanitize import clean
from tui.ops.checks.base import Check, Probe, ProbeResult, site_deadline
from tui.ops.failures import failure_reason

CHECKS = (
    Check(
        "dns",
        per_site=True,
        slos=lambda site, config: ("dns",) if site and site.dns_name else (),
        events=lambda result, config: [("dns", result.ok)],
        breaks=lambda result: "dns",
    ),
)


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


PROBE = Probe(
    ("dns",),
    start=lambda context, site: probe_dns(site, context.now),  # type: ignore[arg-type]
    deadline=site_deadline,
)
