"""Probes against real servers on 127.0.0.1: HTTP, HTTPS with a test CA, a DNS responder."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.servers import DnsResponder, http_server, tls_servers
from tui.base.clock import system_clock
from tui.base.config import Config, Site
from tui.base.config_reading import load_config
from tui.ops.checks import ProbeResult
from tui.ops.checks.backups import probe_backup
from tui.ops.checks.containers import parse_containers, probe_containers
from tui.ops.rounds import run_round


def by_key(results: list[ProbeResult]) -> dict[tuple[str | None, str], ProbeResult]:
    return {(r.site, r.check): r for r in results}


def site(name: str, url: str, **kw: object) -> Site:
    return Site(name=name, url=url, timeout=kw.pop("timeout", timedelta(seconds=3)), **kw)  # type: ignore[arg-type]


def test_http_statuses_latency_refused_slow_and_closed(root: Path) -> None:
    with http_server() as port:
        base = f"http://127.0.0.1:{port}"
        refused = socket_port_refused()
        config = Config(
            sites=(
                site("ok", f"{base}/ok"),
                site("down", f"{base}/fail"),
                site("moved", f"{base}/redirect"),
                site("slow", f"{base}/slow/3", timeout=timedelta(seconds=1)),
                site("closed", f"{base}/close"),
                site("reset", f"{base}/reset"),
                site("refused", f"http://127.0.0.1:{refused}/"),
                site("want503", f"{base}/fail", expect_status=503),
                site("away", f"{base}/redirect-to/{refused}"),
            )
        )
        results = by_key(run_round(root, config, system_clock))
    assert results[("ok", "http")].ok and results[("ok", "http")].detail == "200 OK"
    assert results[("ok", "http")].latency_ms is not None and results[("ok", "http")].latency_ms > 0
    assert not results[("down", "http")].ok
    assert results[("down", "http")].detail == "503 Service Unavailable (expected 200)"
    assert results[("moved", "http")].ok  # redirects are followed
    assert not results[("slow", "http")].ok and results[("slow", "http")].detail == "timed out"
    assert not results[("closed", "http")].ok
    assert results[("closed", "http")].detail == "connection closed without a response"
    assert results[("refused", "http")].detail == "connection refused"
    assert results[("reset", "http")].detail == "connection reset by peer"
    assert results[("want503", "http")].ok
    assert results[("away", "http")].detail == (
        f"connection refused at http://127.0.0.1:{refused}/ (after a redirect)"
    )


def socket_port_refused() -> int:
    from tests.servers import free_port

    return free_port()  # outside the ephemeral range: no server started beside takes it


def test_tls_chain_days_host_and_expiry(tmp_path: Path) -> None:
    root = tmp_path
    with tls_servers(tmp_path) as ports:
        config = Config(
            tls_min_days=7,
            sites=(
                *tuple(
                    site(name, f"https://localhost:{port}/ok", ca_file="ca.pem")
                    for name, port in ports.items()
                ),
                site("system-store", f"https://localhost:{ports['valid']}/ok"),
                site("unverified", f"https://localhost:{ports['expired']}/ok", verify_tls=False),
            ),
        )
        results = by_key(run_round(root, config, system_clock))
    valid = results[("valid", "tls")]
    # Exact to the hour (the old wording said "89 days" for 89 days 23 hours).
    assert valid.ok and valid.detail in (
        "certificate expires in 89d23h",
        "certificate expires in 90d00h",
    )
    soon = results[("soon", "tls")]
    assert not soon.ok and soon.detail in (
        "certificate expires in 2d23h",
        "certificate expires in 3d00h",
    )
    assert results[("soon", "http")].ok  # the site answers; its certificate is the problem
    assert (
        not results[("wronghost", "tls")].ok
        and "hostname" in results[("wronghost", "tls")].detail.lower()
    )
    assert not results[("expired", "tls")].ok and "expired" in results[("expired", "tls")].detail
    assert not results[("system-store", "tls")].ok  # the test CA is not in the system store
    assert "certificate verify failed" in results[("system-store", "tls")].detail
    assert results[("unverified", "http")].ok
    unverified = results[("unverified", "tls")]  # verify_tls = false hides no expiry
    assert not unverified.ok and unverified.detail.startswith("certificate expired ")
    assert unverified.detail.endswith("(chain not verified: verify_tls = false)")


def test_dns_sets_nxdomain_timeout(tmp_path: Path) -> None:
    records = {
        ("good.test", "NS"): ["ns1.gandi.net.", "ns2.gandi.net."],
        ("good.test", "A"): ["203.0.113.7"],
        ("moved.test", "NS"): ["ns1.cloudflare.com."],
        ("moved.test", "A"): ["203.0.113.7"],
        ("v6only.test", "AAAA"): ["2001:db8::7"],
    }
    rcodes = {"broken.test": "SERVFAIL", "closed.test": "REFUSED"}
    with (
        DnsResponder(records, silent={"silent.test"}, rcodes=rcodes) as dns_server,
        http_server() as port,
    ):
        ns = f"127.0.0.1:{dns_server.port}"
        url = f"http://127.0.0.1:{port}/ok"
        config = Config(
            sites=(
                site(
                    "good",
                    url,
                    dns_name="good.test",
                    expect_ns=("NS2.gandi.net", "ns1.gandi.net"),
                    expect_a=("203.0.113.7",),
                    nameserver=ns,
                ),
                site(
                    "moved", url, dns_name="moved.test", expect_ns=("ns1.gandi.net",), nameserver=ns
                ),
                site(
                    "missing",
                    url,
                    dns_name="missing.test",
                    expect_a=("203.0.113.7",),
                    nameserver=ns,
                ),
                site(
                    "silent",
                    url,
                    dns_name="silent.test",
                    expect_a=("203.0.113.7",),
                    nameserver=ns,
                    timeout=timedelta(seconds=1),
                ),
                site("v6only", url, dns_name="v6only.test", nameserver=ns),
                site("broken", url, dns_name="broken.test", nameserver=ns),
                site("closed", url, dns_name="closed.test", nameserver=ns),
            )
        )
        results = by_key(run_round(tmp_path, config, system_clock))
    assert results[("v6only", "dns")].ok, results[("v6only", "dns")].detail  # no A asked for
    assert results[("broken", "dns")].detail == "SERVFAIL from every name server"
    assert results[("closed", "dns")].detail == "REFUSED from every name server"
    assert results[("good", "dns")].ok, results[("good", "dns")].detail
    assert results[("moved", "dns")].detail == "NS {ns1.cloudflare.com} ≠ expected {ns1.gandi.net}"
    assert results[("missing", "dns")].detail == "NXDOMAIN: missing.test does not exist"
    assert results[("silent", "dns")].detail == "timed out after 1 s"
    assert all(results[(name, "http")].ok for name in ("good", "moved", "missing", "silent"))


def test_backup_age(tmp_path: Path) -> None:
    import os

    (tmp_path / "backups" / "nightly").mkdir(parents=True)
    artifact = tmp_path / "backups" / "nightly" / "b.tar"
    artifact.write_text("x")
    now = system_clock()
    config = Config(backups_path="backups", backup_max_age=timedelta(hours=26))
    assert probe_backup(tmp_path, config, now).ok
    old = now.timestamp() - 30 * 3600 - 60
    os.utime(artifact, (old, old))
    stale = probe_backup(tmp_path, config, now)
    assert not stale.ok and stale.detail.startswith("newest backup is 1d06h old")
    assert probe_backup(tmp_path / "nowhere", config, now).detail.startswith("no backup folder")


@pytest.mark.parametrize(
    ("command", "ok", "detail"),
    [
        ("printf 'web\\tUp 3 hours (healthy)\\ndb\\tUp 2 hours\\n'", True, "2 running"),
        (
            "printf 'web\\tUp 3 hours (unhealthy)\\ndb\\tExited (1) 1 minute ago\\n'",
            False,
            "0 running, 2 not",
        ),
        ("sleep 30", False, "command timed out after 1 s"),
        ("echo '\x1b]0;garbage'", False, "unreadable output: ␛]0;garbage"),
        ("exit 3", False, "command exited 3"),
    ],
)
async def test_containers(command: str, ok: bool, detail: str) -> None:
    result = await probe_containers(command, system_clock, timeout=1.0)
    assert result.ok is ok
    assert result.detail.startswith(detail), result.detail


def test_parse_containers_lines() -> None:
    running, failing, garbage = parse_containers("a\tUp 1 hour\nb\tRestarting (1)\n\nnot a line\n")
    assert running == ["a"] and failing == ["b (restarting (1))"] and garbage == ["not a line"]


def test_status_json_probe_against_a_loopback_fleet(root: Path) -> None:
    with http_server() as port, tls_servers(root) as tls:
        (root / "sisyphus.toml").write_text(f"""
[[sites]]
name = "healthy"
url = "http://127.0.0.1:{port}/ok"
[[sites]]
name = "broken"
url = "http://127.0.0.1:{port}/fail"
[[sites]]
name = "cert-soon"
url = "https://localhost:{tls["soon"]}/ok"
ca_file = "ca.pem"
[[sites]]
name = "refused"
url = "http://127.0.0.1:{socket_port_refused()}/"
""")
        run = subprocess.run(
            [sys.executable, "-m", "tui", "status", "--json", "--probe", "--state", str(root)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert run.returncode == 0, run.stderr
    probes = {(p["site"], p["check"]): p for p in json.loads(run.stdout)["probes"]}
    assert probes[("healthy", "http")]["ok"] and probes[("healthy", "http")]["latency_ms"] > 0
    assert probes[("broken", "http")]["detail"] == "503 Service Unavailable (expected 200)"
    assert probes[("cert-soon", "tls")]["detail"] in (
        "certificate expires in 2d23h",
        "certificate expires in 3d00h",
    )
    assert probes[("refused", "http")]["detail"] == "connection refused"
    # Recorded: plain status shows the last results with their age.
    again = subprocess.run(
        [sys.executable, "-m", "tui", "status", "--json", "--state", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    stored = {(p["site"], p["check"]): p for p in json.loads(again.stdout)["probes"]}
    assert stored.keys() == probes.keys() and stored[("broken", "http")]["age_s"] >= 0


def test_a_url_that_is_not_a_url_is_a_config_error(root: Path) -> None:
    from tui.base.config import ConfigError

    (root / "sisyphus.toml").write_text('[[sites]]\nname = "x"\nurl = "memorial-a.example.org"\n')
    with pytest.raises(ConfigError, match=r"sites\[0\]\.url"):
        load_config(root)


def test_a_backup_dated_in_the_future_is_left_out_and_said(root: Path) -> None:
    import os

    from tui.base.clock import system_clock
    from tui.base.config import Config
    from tui.ops.checks.backups import probe_backup

    folder = root / "backups"
    folder.mkdir()
    now = system_clock()
    real, forged = folder / "site-a.tar.gz", folder / "site-b.tar.gz"
    real.write_bytes(b"x")
    forged.write_bytes(b"y")
    os.utime(real, (now.timestamp() - 30 * 3600,) * 2)  # 30 h old: too old
    os.utime(forged, (now.timestamp() + 47 * 3600,) * 2)  # "fresh", two days ahead
    result = probe_backup(root, Config(backups_path="backups"), now)
    assert not result.ok
    assert result.detail == (
        "newest backup is 1d06h old (limit 1d02h); 1 file dated in the future left out"
    )


def test_container_statuses_in_the_shapes_people_print() -> None:
    output = (
        "web\tUp 3 hours (healthy)\n"
        "api\thealthy\n"
        "queue\trunning\n"
        "cron\tUp 2 minutes\n"
        "db\tExited (1) 1 minute ago\n"
        "cache\tunhealthy\n"
        "old\tUp 5 days (unhealthy)\n"
        "odd\tsomething else\n"
    )
    running, failing, garbage = parse_containers(output)
    assert running == ["web", "api", "queue", "cron"]
    assert failing == [
        "db (exited (1) 1 minute ago)",
        "cache (unhealthy)",
        "old (up 5 days (unhealthy))",
    ]
    assert garbage == ["odd: status 'something else' is not one the room reads"]


def test_a_site_slower_than_the_objective_is_named_from_round_one(root: Path) -> None:
    import json

    from tests.helpers import run_cli
    from tests.servers import http_server

    with http_server() as port:
        (root / "sisyphus.toml").write_text(
            f'[[sites]]\nname = "h-700ms"\nurl = "http://127.0.0.1:{port}/slow/0.7"\n'
        )
        said = run_cli(root, "check", "--probe")
    assert said.returncode == 1
    [line] = [r for r in said.stdout.splitlines() if r.startswith("slow now:")]
    found = re.fullmatch(r"slow now: h-700ms (\d+) ms > 500 ms \(the latency objective\)", line)
    assert found is not None, line
    assert 700 <= int(found[1]) < 5000  # at least the site's 0.7 s, more on a loaded machine
    [probe] = [
        p
        for p in json.loads(run_cli(root, "status", "--json").stdout)["probes"]
        if p["check"] == "http"
    ]
    assert probe["ok"] is True and probe["slow"] is True
