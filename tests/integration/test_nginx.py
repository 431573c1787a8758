"""Every verdict against a real web server (Debian's nginx), as curl and openssl would give it."""

from __future__ import annotations

from pathlib import Path

from tests.nginx import nginx_fleet
from tui.base.clock import system_clock
from tui.base.config import load_config
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
        (root / "sisyphus.toml").write_text(toml)
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
    found = causes(list(outcome.results))
    assert ("wronghost", "http") not in found  # one bad certificate: one cause, under tls
    assert slo_of("tls", found[("wronghost", "tls")]) == "cert_validity"
    assert slo_of("tls", found[("expired", "tls")]) == "tls_expiry"
