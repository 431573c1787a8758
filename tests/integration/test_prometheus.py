"""Prometheus and Alertmanager, the real engines (Debian's `prometheus`, which brings `promtool`,
and `prometheus-alertmanager`): the rules pass `promtool check rules` and the project's own
`promtool test rules` cases; a real Prometheus scrapes a real watcher; a real Alertmanager takes
an incident and ends it."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import http_get, run_cli
from tests.servers import free_port
from tui.base.config_reading import parse_config
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
            {  # the same burn while the site is in a maintenance window: nothing pages
                "interval": "1m",
                "input_series": [
                    *series("0+0.75x180"),
                    {"series": 'sisyphus_maintenance{site="shop"}', "values": "1x180"},
                ],
                "alert_rule_test": [
                    {"eval_time": "6m", "alertname": "SisyphusErrorBudgetBurn", "exp_alerts": []},
                ],
            },
            {  # a window on another site changes nothing here
                "interval": "1m",
                "input_series": [
                    *series("0+0.75x180"),
                    {"series": 'sisyphus_maintenance{site="other"}', "values": "1x180"},
                    {"series": 'sisyphus_maintenance{site="shop"}', "values": "0x180"},
                ],
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


def _wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    import time

    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url}: the server exited with {process.returncode}")
        try:
            if http_get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} not ready in {seconds}s")


def test_a_real_alertmanager_gets_the_incident_and_its_end(tmp_path: Path) -> None:

    from tests.integration.test_headless import configure, watching
    from tests.servers import Switch, switch_server

    alertmanager = need("prometheus-alertmanager")
    port = free_port()
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
                    return [a for a in http_get(api).json() if a["labels"]["id"] == opened["id"]]

                [firing] = listed()
                labels = firing["labels"]
                assert labels["alertname"] == "SisyphusIncident"
                assert (labels["site"], labels["slo"], labels["severity"]) == (
                    "shop",
                    "availability",
                    "page",
                )
                assert firing["status"]["state"] == "active"
                # A silence from the command line: the watcher carries it out and Alertmanager
                # keeps it too, matching the incident's alert, until the room's silence ends.
                silenced = run_cli(
                    root, "silence", opened["id"], "--for", "30m", "--note", "deploy", "--by", "ann"
                )
                assert silenced.returncode == 0, silenced.stdout + silenced.stderr
                watch.wait_for("silenced", id=opened["id"])
                while not watch.wait_for("notification sent")["notification"].startswith(
                    f"silence:{opened['id']}:0:silenced"
                ):
                    pass  # a rung sent before it
                silences = http_get(f"http://127.0.0.1:{port}/api/v2/silences").json()
                [kept] = [x for x in silences if x["status"]["state"] == "active"]
                assert kept["matchers"][0]["name"] == "id"
                assert kept["matchers"][0]["value"] == opened["id"]
                assert kept["createdBy"] == "ann" and kept["comment"].startswith("deploy")
                assert http_get(api).json()[0]["status"]["state"] == "suppressed"
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


def test_a_real_prometheus_scrapes_three_watchers_and_agrees_with_the_rooms(
    tmp_path: Path,
) -> None:
    """One real Prometheus, three real watchers (three state folders, `vantage` a, b, c) probing
    the same site: from a it fails every other request, from b it is up, from c it refuses (c's
    URL for it is a port nobody listens on: the site seen from another network).

    Prometheus shows the site down from c only; once the probes are held still, its counts, the
    budget from them and the rules' budget agree with each room's `status --json`; the rules
    combine the vantage points by summing their counters."""
    import threading
    import time
    from http.server import BaseHTTPRequestHandler

    from tests.helpers import run_cli
    from tests.integration.test_headless import watching
    from tests.servers import QuietServer

    prometheus = need("prometheus")

    class Alternating(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        count = 0

        def do_GET(self) -> None:
            if self.path == "/half":
                Alternating.count += 1
            self.send_response(503 if self.path == "/half" and Alternating.count % 2 else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    site = QuietServer(("127.0.0.1", 0), Alternating)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    ports = {name: free_port() for name in "abc"}
    roots = {}
    for name, metrics_port in ports.items():
        root = tmp_path / name
        (root / "tickets").mkdir(parents=True)
        port = free_port() if name == "c" else site.server_address[1]  # c: nobody listens
        path = "half" if name == "a" else "up"
        (root / "sisyphus.toml").write_text(
            f'[room]\nvantage = "{name}"\n'
            f'[[sites]]\nname = "shop"\nurl = "http://127.0.0.1:{port}/{path}"\n'
            f'[metrics]\nlisten = "127.0.0.1:{metrics_port}"\n'
        )
        roots[name] = root
    (tmp_path / "rules.yml").write_text(run_cli(roots["a"], "rules").stdout)
    targets = ", ".join(f"'127.0.0.1:{p}'" for p in ports.values())
    (tmp_path / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 200ms\n  evaluation_interval: 200ms\n"
        "rule_files: [rules.yml]\nscrape_configs:\n  - job_name: sisyphus\n"
        f"    static_configs:\n      - targets: [{targets}]\n"
    )
    prom_port = free_port()
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

    def vector(expr: str, at: float | None = None) -> dict[str, float]:
        params = {"query": expr} | ({"time": f"{at:.3f}"} if at is not None else {})
        data = http_get(query, params=params).json()["data"]["result"]
        return {r["metric"].get("vantage", ""): float(r["value"][1]) for r in data}

    def slo_of(name: str) -> dict[str, Any]:
        room = json.loads(run_cli(roots[name], "status", "--json").stdout)
        return next(s for s in room["slos"] if (s["site"], s["name"]) == ("shop", "availability"))

    try:
        _wait_ready(f"http://127.0.0.1:{prom_port}/-/ready", server)
        # Prometheus hands new targets to its scrapers every 5 s: wait until it scrapes all three
        # (down: up == 0), so its first scrape of each watcher sees the counters at 0.
        deadline = time.monotonic() + 20
        while vector('count(up{job="sisyphus"})').get("") != 3:
            assert time.monotonic() < deadline, "Prometheus never scraped the targets"
            time.sleep(0.2)
        with (
            watching(roots["a"], "--time-scale", "200") as a,
            watching(roots["b"], "--time-scale", "200") as b,
            watching(roots["c"], "--time-scale", "200") as c,
        ):
            watches = {"a": a, "b": b, "c": c}
            started = a.wait_for("watcher started")
            assert started["metrics"] == f"http://127.0.0.1:{ports['a']}/metrics"
            exposition = http_get(
                started["metrics"], headers={"Accept": "application/openmetrics-text"}
            )
            assert exposition.headers["content-type"].startswith("application/openmetrics-text")
            for watch in watches.values():  # ten rounds each
                for _ in range(10):
                    watch.wait_for("round")
            # Hold the probes still (SIGHUP with a probe interval of an hour; the metrics server
            # stays up): Prometheus and the rooms then count the same events.
            for name, watch in watches.items():
                config = roots[name] / "sisyphus.toml"
                config.write_text(
                    config.read_text().replace("[room]\n", '[room]\nprobe_interval = "1h"\n')
                )
                watch.process.send_signal(signal.SIGHUP)
            for watch in watches.values():
                watch.wait_for("config reloaded")
                watch.seen.clear()  # earlier rounds: the next line is the reload's own round
                watch.wait_for("round")  # the round a reload starts; then none for an hour
            rooms = {name: slo_of(name) for name in "abc"}
            sel = 'site="shop",slo="availability"'
            deadline = time.monotonic() + 20  # a few scrapes and rule evaluations later
            before = None
            while time.monotonic() < deadline:
                at = time.time()  # every query evaluated at this one moment
                events = vector(f"sum by (vantage) (sisyphus_slo_events_total{{{sel}}})", at)
                bad = vector(f"sum by (vantage) (sisyphus_slo_bad_events_total{{{sel}}})", at)
                ruled = vector(
                    'slo:period_error_budget_remaining:ratio{sloth_id="shop-availability"}', at
                ).get("")
                settled = ruled is not None and before is not None and abs(ruled - before) < 0.5
                if all(events.get(n) == rooms[n]["events"] for n in "abc") and settled:
                    break  # every count scraped, and the rule evaluated them (two nearly agree:
                    # rates extrapolate a little differently as time passes)
                before = ruled
                time.sleep(0.5)
            for name in "abc":  # each room and Prometheus count the same events
                assert (events[name], bad[name]) == (
                    rooms[name]["events"],
                    rooms[name]["bad_events"],
                )
                share = bad[name] / events[name]
                remaining = 1 - share / (1 - 0.995)
                assert abs(remaining - rooms[name]["budget_remaining"]) < 1e-3
            failed = vector('sum by (vantage) (sisyphus_probe_failures_total{site="shop"})')
            probes = vector('sum by (vantage) (sisyphus_probe_total{site="shop"})')
            assert failed["c"] == probes["c"]  # down from c: every probe failed
            assert 0 < failed["a"] < probes["a"]  # down from a half the time
            assert failed["b"] == 0  # up from b
            # The rules sum the counters over the vantage points: the share of all probes that
            # were bad, from every point of view, within one event per watcher (Prometheus may
            # have missed each one's first round).
            total, bad_total = sum(events.values()), sum(bad.values())
            expected = 1 - (bad_total / total) / (1 - 0.995)
            one_event = 1 / total / (1 - 0.995)
            assert ruled is not None and abs(ruled - expected) <= 3 * one_event, (ruled, expected)
            assert vector('sisyphus_error_budget_remaining{site="shop",slo="availability"}')
            for watch in watches.values():
                assert watch.stop() < 2.0
    finally:
        server.terminate()
        server.wait(10)
        site.shutdown()


def test_odd_site_names_are_refused_by_the_config_and_escaped_in_the_rules(
    tmp_path: Path,
) -> None:
    from tui.base.config import Config, ConfigError, Site

    for name in ('say "hi"', "back\\slash", "shop/eu", "", "-lead", "a" * 64, "tab\there"):
        with pytest.raises(ConfigError, match=r"sites\[0\]\.name"):
            parse_config(
                tmp_path / "sisyphus.toml", {"sites": [{"name": name, "url": "http://x/"}]}
            )
    accepted = parse_config(
        tmp_path / "sisyphus.toml",
        {"sites": [{"name": "café.shop_1-eu", "url": "http://x/"}]},
    )
    assert accepted.sites[0].name == "café.shop_1-eu"
    promtool = need("promtool")
    # Built past the config's check, the rules still quote what they are given.
    odd = Config(
        sites=(Site('say "hi"', "http://a/"), Site("back\\slash", "http://b/"), *accepted.sites)
    )
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(rules(odd), sort_keys=False))
    checked = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
