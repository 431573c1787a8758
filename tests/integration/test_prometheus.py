"""Prometheus and Alertmanager, the real engines (Debian's `prometheus`, which brings `promtool`,
and `prometheus-alertmanager`): the rules pass `promtool check rules` and the project's own
`promtool test rules` cases; a real Prometheus scrapes a real watcher; a real Alertmanager takes
an incident and ends it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tui.base.config import parse_config
from tui.ops.rules import rules

INSTALL = "apt-get install -y prometheus prometheus-alertmanager"


def need(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        pytest.skip(f"{program} is not installed: {INSTALL}")
    return found


def shop_rules(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    config = parse_config(
        tmp_path / "sisyphus.toml",
        {"sites": [{"name": "shop", "url": "http://shop.example/"}]},
    )
    data = rules(config)
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path, data


def alert(data: dict[str, Any], severity: str) -> dict[str, Any]:
    """The expected alert of the availability SLO at `severity`, as promtool lists it."""
    for group in data["groups"]:
        for rule in group["rules"]:
            labels = rule.get("labels", {})
            if rule.get("alert") and (labels["severity"], labels["slo"]) == (
                severity,
                "availability",
            ):
                return {"exp_labels": labels, "exp_annotations": rule["annotations"]}
    raise AssertionError(f"no {severity} alert")


def series(bad_per_minute: str) -> list[dict[str, str]]:
    """10 events a minute for 3 hours, and the bad ones as given (promtool's series notation)."""
    labels = 'site="shop",slo="availability",vantage="probe-1"'
    return [
        {"series": f"sisyphus_slo_events_total{{{labels}}}", "values": "0+10x180"},
        {"series": f"sisyphus_slo_bad_events_total{{{labels}}}", "values": bad_per_minute},
    ]


def test_rules_pass_promtool_and_its_unit_tests(tmp_path: Path) -> None:
    promtool = need("promtool")
    path, data = shop_rules(tmp_path)
    checked = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    page, ticket = alert(data, "page"), alert(data, "ticket")
    cases = {
        "rule_files": [path.name],
        "evaluation_interval": "1m",
        "tests": [
            {  # 15× the budget (7.5 % of 0.5 %): pages within the 5-minute window, tickets too
                "interval": "1m",
                "input_series": series("0+0.75x180"),
                "alert_rule_test": [
                    {
                        "eval_time": "6m",
                        "alertname": "SisyphusErrorBudgetBurn",
                        "exp_alerts": [page, ticket],
                    },
                ],
            },
            {  # 0.8× the budget: nothing pages, nothing tickets
                "interval": "1m",
                "input_series": series("0+0.04x180"),
                "alert_rule_test": [
                    {"eval_time": "2h", "alertname": "SisyphusErrorBudgetBurn", "exp_alerts": []},
                ],
            },
            {  # 10 % bad for an hour, then none: paging stops; the 6h/3d ticket remembers
                "interval": "1m",
                "input_series": series("0+1x60 60+0x120"),
                "alert_rule_test": [
                    {
                        "eval_time": "30m",
                        "alertname": "SisyphusErrorBudgetBurn",
                        "exp_alerts": [page, ticket],
                    },
                    {
                        "eval_time": "150m",
                        "alertname": "SisyphusErrorBudgetBurn",
                        "exp_alerts": [ticket],
                    },
                ],
                "promql_expr_test": [
                    {
                        "expr": 'slo:sli_error:ratio_rate5m{sloth_id="shop-availability"}',
                        "eval_time": "150m",
                        "exp_samples": [
                            {
                                "labels": 'slo:sli_error:ratio_rate5m{sloth_id="shop-availability",'
                                'sloth_service="shop",sloth_slo="availability",sloth_window="5m"}',
                                "value": 0,
                            },
                        ],
                    },
                ],
            },
        ],
    }
    test_file = tmp_path / "rules_test.yml"
    test_file.write_text(yaml.safe_dump(cases, sort_keys=False))
    tested = subprocess.run(
        [promtool, "test", "rules", str(test_file)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout + tested.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    import time

    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url}: the server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} not ready in {seconds}s")


def test_a_real_alertmanager_gets_the_incident_and_its_end(tmp_path: Path) -> None:
    import httpx

    from tests.integration.test_headless import configure, watching
    from tests.servers import Switch, switch_server

    alertmanager = need("prometheus-alertmanager")
    port = _free_port()
    config = tmp_path / "am.yml"
    config.write_text('route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n')
    server = subprocess.Popen(
        [
            alertmanager,
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'am'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    root = tmp_path / "state"
    (root / "tickets").mkdir(parents=True)
    switch = Switch()
    try:
        _wait_ready(f"http://127.0.0.1:{port}/-/ready", server)
        with switch_server(switch) as site:
            configure(root, {"shop": site})
            with (root / "sisyphus.toml").open("a") as out:
                out.write(
                    f'[[notify]]\nkind = "alertmanager"\nurl = "http://127.0.0.1:{port}"\n'
                    'events = ["incident"]\n'
                )
            api = f"http://127.0.0.1:{port}/api/v2/alerts"
            with watching(root) as watch:
                opened = watch.wait_for("incident opened", check="http")
                key = f"incident:{opened['id']}:1:firing"
                watch.wait_for("notification sent", notification=key)

                def listed() -> list[dict[str, Any]]:
                    return [a for a in httpx.get(api).json() if a["labels"]["id"] == opened["id"]]

                [firing] = listed()
                labels = firing["labels"]
                assert labels["alertname"] == "SisyphusIncident"
                assert (labels["site"], labels["slo"], labels["severity"]) == (
                    "shop",
                    "availability",
                    "page",
                )
                assert firing["status"]["state"] == "active"
                switch.up = True
                closed = watch.wait_for("incident resolved", id=opened["id"])
                assert closed
                ended = f"incident:{opened['id']}:"
                while True:  # the closing notification of this incident
                    sent = watch.wait_for("notification sent")
                    if sent["notification"].startswith(ended) and sent["notification"].endswith(
                        ":resolved"
                    ):
                        break
                assert listed() == []  # ended: no longer listed as active
                assert watch.stop() < 2.0
    finally:
        server.terminate()
        server.wait(10)


def test_a_real_prometheus_scrapes_the_watcher_and_agrees_with_the_room(tmp_path: Path) -> None:
    import time

    import httpx

    from tests.integration.test_headless import cli, watching
    from tests.servers import QuietServer

    prometheus = need("prometheus")
    # A site that fails every other request: the budget is half spent, not all or nothing.
    import threading
    from http.server import BaseHTTPRequestHandler

    class Alternating(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        count = 0

        def do_GET(self) -> None:
            Alternating.count += 1
            status = 200 if Alternating.count % 2 else 503
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    site = QuietServer(("127.0.0.1", 0), Alternating)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    metrics_port, prom_port = _free_port(), _free_port()
    root = tmp_path / "state"
    (root / "tickets").mkdir(parents=True)
    (root / "sisyphus.toml").write_text(
        '[room]\nvantage = "probe-1"\n'
        f'[[sites]]\nname = "shop"\nurl = "http://127.0.0.1:{site.server_address[1]}/"\n'
        f'[metrics]\nlisten = "127.0.0.1:{metrics_port}"\n'
    )
    (tmp_path / "rules.yml").write_text(cli(root, "rules").stdout)
    (tmp_path / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 200ms\n  evaluation_interval: 200ms\n"
        "rule_files: [rules.yml]\n"
        "scrape_configs:\n  - job_name: sisyphus\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{metrics_port}']\n"
    )
    server = subprocess.Popen(
        [
            prometheus,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    query = f"http://127.0.0.1:{prom_port}/api/v1/query"

    def value(expr: str, at: float | None = None) -> float | None:
        params = {"query": expr} | ({"time": f"{at:.3f}"} if at is not None else {})
        result = httpx.get(query, params=params).json()["data"]["result"]
        return float(result[0]["value"][1]) if result else None

    try:
        _wait_ready(f"http://127.0.0.1:{prom_port}/-/ready", server)
        with watching(root, "--time-scale", "100") as watch:  # a round every 0.3 s
            started = watch.wait_for("watcher started")
            assert started["metrics"] == f"http://127.0.0.1:{metrics_port}/metrics"
            exposition = httpx.get(
                started["metrics"], headers={"Accept": "application/openmetrics-text"}
            )
            assert exposition.headers["content-type"].startswith("application/openmetrics-text")
            # Scrapes and rule evaluations lag the rounds by a fraction of a second: compare
            # until one moment where everything agrees (a bounded wait, not a fixed sleep).
            deadline = time.monotonic() + 40
            seen: list[tuple[float | None, ...]] = []
            while time.monotonic() < deadline:
                at = time.time()  # every query evaluated at this one moment
                sel = 'site="shop",slo="availability"'
                events = value(f"sum(sisyphus_slo_events_total{{{sel}}})", at)
                bad = value(f"sum(sisyphus_slo_bad_events_total{{{sel}}})", at)
                ruled = value(
                    'slo:period_error_budget_remaining:ratio{sloth_id="shop-availability"}', at
                )
                room = json.loads(cli(root, "status", "--json").stdout)
                [slo] = [
                    s for s in room["slos"] if (s["site"], s["name"]) == ("shop", "availability")
                ]
                seen.append((events, bad, ruled, slo["events"], slo["bad_events"]))
                if events is None or bad is None or ruled is None or slo["events"] < 12:
                    time.sleep(0.3)
                    continue
                one_event = 1 / events / (1 - 0.995)
                remaining = 1 - (bad / events) / (1 - 0.995)
                if (
                    abs(events - slo["events"]) <= 1
                    and abs(bad - slo["bad_events"]) <= 1
                    and abs(remaining - slo["budget_remaining"]) <= one_event + 1e-6
                    # the rules' own budget over the SLO window, from Prometheus's first scrape on
                    and abs(ruled - slo["budget_remaining"]) <= 2 * one_event
                ):
                    break
                time.sleep(0.3)
            else:
                raise AssertionError(f"Prometheus and the room never agreed: {seen[-5:]}")
            assert (
                value('sisyphus_error_budget_remaining{site="shop",slo="availability"}') is not None
            )
            assert watch.stop() < 2.0
    finally:
        server.terminate()
        server.wait(10)
        site.shutdown()


def test_three_vantage_points_one_of_which_cannot_reach_the_site(tmp_path: Path) -> None:
    """Three watchers (three state folders, `vantage` a, b, c) probe the same site; from c it
    refuses (c's URL for it is a port nobody listens on: the site seen from another network).
    Prometheus shows the site down from c only, and the rules count a third of the probes bad."""
    import time

    import httpx

    from tests.integration.test_headless import watching
    from tests.servers import http_server

    prometheus = need("prometheus")
    refused = _free_port()
    with http_server() as up:
        ports = {name: _free_port() for name in "abc"}
        roots = {}
        for name, metrics_port in ports.items():
            root = tmp_path / name
            (root / "tickets").mkdir(parents=True)
            site_port = refused if name == "c" else up
            (root / "sisyphus.toml").write_text(
                f'[room]\nvantage = "{name}"\n'
                f'[[sites]]\nname = "shop"\nurl = "http://127.0.0.1:{site_port}/ok"\n'
                f'[metrics]\nlisten = "127.0.0.1:{metrics_port}"\n'
            )
            roots[name] = root
        (tmp_path / "rules.yml").write_text(
            subprocess.run(
                [sys.executable, "-m", "tui", "rules", "--state", str(roots["a"])],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        targets = ", ".join(f"'127.0.0.1:{p}'" for p in ports.values())
        (tmp_path / "prometheus.yml").write_text(
            "global:\n  scrape_interval: 200ms\n  evaluation_interval: 200ms\n"
            "rule_files: [rules.yml]\nscrape_configs:\n  - job_name: sisyphus\n"
            f"    static_configs:\n      - targets: [{targets}]\n"
        )
        prom_port = _free_port()
        server = subprocess.Popen(
            [
                prometheus,
                f"--config.file={tmp_path / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{prom_port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=tmp_path,
        )
        query = f"http://127.0.0.1:{prom_port}/api/v1/query"

        def vector(expr: str, at: float) -> dict[str, float]:
            params = {"query": expr, "time": f"{at:.3f}"}
            data = httpx.get(query, params=params).json()["data"]["result"]
            return {r["metric"].get("vantage", ""): float(r["value"][1]) for r in data}

        try:
            _wait_ready(f"http://127.0.0.1:{prom_port}/-/ready", server)
            with (
                watching(roots["a"], "--time-scale", "200"),
                watching(roots["b"], "--time-scale", "200"),
                watching(roots["c"], "--time-scale", "200"),
            ):
                deadline = time.monotonic() + 40
                while time.monotonic() < deadline:
                    at = time.time()  # every query evaluated at this one moment
                    probes = vector('sum by (vantage) (sisyphus_probe_total{site="shop"})', at)
                    failed = vector(
                        'sum by (vantage) (sisyphus_probe_failures_total{site="shop"})', at
                    )
                    ratio = vector('slo:sli_error:ratio_rate1h{sloth_id="shop-availability"}', at)
                    if len(probes) == 3 and min(probes.values()) >= 12 and ratio:
                        break
                    time.sleep(0.3)
                else:
                    raise AssertionError(f"not enough probes seen: {probes}")
                assert failed["a"] == 0 and failed["b"] == 0  # up from a and b
                assert failed["c"] == probes["c"]  # down from c: every probe failed
                # How it counts: the rules sum the counters over vantage points, so the error
                # ratio is the share of all probes that were bad: a third, give or take the
                # probe each watcher may be ahead of the others. (The rate-based recordings over
                # a few seconds of data are too coarse to assert on; promtool's cases test them.)
                events = vector(
                    'sum(sisyphus_slo_events_total{site="shop",slo="availability"})', at
                )
                bad = vector(
                    'sum(sisyphus_slo_bad_events_total{site="shop",slo="availability"})', at
                )
                share = bad[""] / events[""]
                assert abs(share - probes["c"] / sum(probes.values())) < 1e-9
                assert 0.2 < share < 0.5, share  # a watcher may run a round or two ahead
                assert len(ratio) == 1  # the recording rule runs over the three together
        finally:
            server.terminate()
            server.wait(10)
