"""Every verdict against real servers (Debian's nginx and unbound), as curl, openssl and dig give it."""

from __future__ import annotations

from pathlib import Path

from tests.nginx import nginx_fleet
from tui.base.clock import system_clock
from tui.base.config_reading import load_config
from tui.ops.checks import cause_of
from tui.ops.engine import Operations
from tui.ops.incidents import causes, slo_of
from tui.ops.slo import events


def test_a_fleet_on_nginx_gets_the_verdict_slo_and_detail_curl_would(root: Path) -> None:
    with nginx_fleet(root) as ports:
        sites = {
            "ok": f"http://127.0.0.1:{ports['http']}/ok",
            "down": f"http://127.0.0.1:{ports['http']}/fail",
            "moved": f"http://127.0.0.1:{ports['http']}/moved",
            "valid": f"https://localhost:{ports['valid']}/",
            "soon": f"https://localhost:{ports['soon']}/",
            "wronghost": f"https://localhost:{ports['wronghost']}/",
            "expired": f"https://localhost:{ports['expired']}/",
            "unchecked": f"https://localhost:{ports['expired']}/",
        }
        toml = "".join(
            f'[[sites]]\nname = "{name}"\nurl = "{url}"\nca_file = "ca.pem"\n'
            + ("verify_tls = false\n" if name == "unchecked" else "")
            for name, url in sites.items()
        )
        # Loopback nginx answers in about a millisecond; the objective is wide so that a loaded
        # machine's scheduling never reads as a slow site (latency verdicts have their own tests).
        (root / "sisyphus.toml").write_text("[slo]\nlatency_p95_ms = 10000\n\n" + toml)
        config = load_config(root)
        ops = Operations(root, config, writer=True, now=system_clock())
        outcome = ops.round(system_clock)
    got = {(r.site, r.check): r for r in outcome.results}
    # (site, check): (ok, what the detail starts with, the SLOs its events spend)
    table = {
        ("ok", "http"): (True, "200 OK", {"availability": True, "latency": True}),
        ("down", "http"): (
            False,
            "503 Service Temporarily Unavailable (expected 200)",
            {"availability": False, "latency": False},
        ),
        ("moved", "http"): (True, "200 OK", {"availability": True, "latency": True}),
        ("valid", "tls"): (
            True,
            "certificate expires in 89d23h",
            {"cert_validity": True, "tls_expiry": True},
        ),
        ("soon", "tls"): (
            False,
            "certificate expires in 3d00h",
            {"cert_validity": True, "tls_expiry": False},
        ),
        ("wronghost", "tls"): (
            False,
            "certificate verify failed: Hostname mismatch",
            {"cert_validity": False},
        ),
        ("wronghost", "http"): (False, "certificate verify failed: Hostname mismatch", {}),
        ("expired", "tls"): (
            False,
            "certificate verify failed: certificate has expired",
            {"cert_validity": False, "tls_expiry": False},
        ),
        ("unchecked", "http"): (True, "200 OK", {"availability": True, "latency": True}),
        ("unchecked", "tls"): (
            False,
            "certificate expired 2d00h ago (chain not verified",
            {"tls_expiry": False},
        ),
    }
    for key, (ok, detail, spent) in table.items():
        result = got[key]
        assert result.ok is ok, (key, result.detail)
        assert result.detail.startswith(detail) or (
            detail.startswith("certificate expires in") and result.detail.startswith(detail[:-5])
        ), (key, result.detail)
        assert dict(events(result, config)) == spent, key
        # A record written before causes were reads back with the cause the probe gives now.
        assert cause_of(result.check, result.ok, result.detail) is result.cause, key
    found = causes(list(outcome.results))
    assert ("wronghost", "http") not in found  # one bad certificate: one cause, under tls
    assert slo_of("tls", found[("wronghost", "tls")]) == "cert_validity"
    assert slo_of("tls", found[("expired", "tls")]) == "tls_expiry"


def test_dns_verdicts_against_unbound(root: Path) -> None:
    from datetime import timedelta

    from tests.unbound import unbound
    from tui.base.config import Config, Site
    from tui.ops.rounds import run_round

    zone = """  local-zone: "test." static
  local-data: "test. 3600 IN SOA ns1.gandi.net. admin.test. 1 3600 600 86400 300"
  local-data: "good.test. 300 IN NS ns1.gandi.net."
  local-data: "good.test. 300 IN NS ns2.gandi.net."
  local-data: "good.test. 300 IN A 203.0.113.7"
  local-data: "moved.test. 300 IN NS ns1.cloudflare.com."
  local-data: "moved.test. 300 IN A 203.0.113.7"
  local-data: "v6only.test. 300 IN AAAA 2001:db8::7"
  local-data: "up.test. 300 IN A 203.0.113.9"
"""
    with unbound(root, zone) as port:
        ns = f"127.0.0.1:{port}"

        def site(name: str, dns_name: str, **expect: tuple[str, ...]) -> Site:
            return Site(
                name,
                "http://127.0.0.1:9/",
                dns_name=dns_name,
                nameserver=ns,
                timeout=timedelta(seconds=2),
                **expect,  # type: ignore[arg-type]
            )

        config = Config(
            sites=(
                site(
                    "good",
                    "good.test",
                    expect_ns=("NS2.gandi.net", "ns1.gandi.net"),
                    expect_a=("203.0.113.7",),
                ),
                site("moved", "moved.test", expect_ns=("ns1.gandi.net",)),
                site("missing", "missing.test", expect_a=("203.0.113.7",)),
                site("v6only", "v6only.test"),
                site("closed", "example.org"),
            )
        )
        results = {r.site: r for r in run_round(root, config, system_clock) if r.check == "dns"}
    assert results["good"].ok, results["good"].detail
    assert results["moved"].detail == "NS {ns1.cloudflare.com} ≠ expected {ns1.gandi.net}"
    assert results["missing"].detail == "NXDOMAIN: missing.test does not exist"
    assert results["v6only"].ok, results["v6only"].detail  # no A asked for: AAAA resolves it
    assert results["closed"].detail == "REFUSED from every name server"
