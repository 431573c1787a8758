"""Metrics: a scrape of /metrics with 500 sites (time and bytes), and the watcher's share of a core
while a real Prometheus scrapes it every 15 s (BENCH_METRICS_SECONDS, 300 by default; 51 sites
probed every 60 s on 127.0.0.1). Skips the second part, saying so, when `prometheus` is missing."""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def _scrape_500() -> None:
    from tui.base.config_reading import parse_config
    from tui.ops.checks import ProbeResult
    from tui.ops.engine import Operations
    from tui.ops.metrics import Metrics

    root = Path(tempfile.mkdtemp()) / "state"
    (root / "tickets").mkdir(parents=True)
    sites = [{"name": f"site-{n:03d}", "url": f"https://site-{n:03d}.example/"} for n in range(500)]
    config = parse_config(root / "sisyphus.toml", {"sites": sites})
    ops = Operations(root, config, writer=True, now=datetime.now(UTC))
    metrics = Metrics(config, "bench")
    start = datetime.now(UTC) - timedelta(hours=1)
    for round_ in range(12):
        at = start + timedelta(minutes=5 * round_)
        results = []
        for n, site in enumerate(config.sites):
            ok = (n + round_) % 17 != 0
            results.append(ProbeResult(site.name, "http", ok, 80.0 + n % 400, "200 OK", at))
            results.append(ProbeResult(site.name, "tls", True, None, "ok", at, {"days_left": 60.0}))
        metrics.observe_round(results, config)
        outcome = ops.record(results, at)
    metrics.set_view(outcome.view)
    times, size = [], 0
    for _ in range(20):
        began = time.perf_counter()
        body, _ = metrics.exposition("application/openmetrics-text; version=1.0.0")
        times.append(time.perf_counter() - began)
        size = len(body)
    print(
        f"/metrics with 500 sites (2 checks each, budgets and burn rates of every SLO): median "
        f"{statistics.median(times) * 1000:.0f} ms, {size / 1e6:.2f} MB per scrape (20 scrapes)"
    )


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _watcher_under_scrape(seconds: float) -> None:
    from bench.fleet_server import fleet
    from bench.room import _cpu_seconds

    prometheus = shutil.which("prometheus")
    if prometheus is None:
        print(
            "watcher under a 15 s scrape: skipped, prometheus is not installed "
            "(apt-get install -y prometheus)"
        )
        return
    root = OUT / "metrics"
    shutil.rmtree(root, ignore_errors=True)
    (root / "tickets" / "to_operator").mkdir(parents=True)
    with fleet(1, 51) as ports:
        metrics_port, prom_port = _port(), _port()
        (root / "sisyphus.toml").write_text(
            '[room]\nprobe_interval = "60s"\n'
            + "".join(
                f'[[sites]]\nname = "site-{n:02d}"\nurl = "http://127.0.0.1:{port}/ok"\n'
                for n, port in enumerate(ports)
            )
            + f'[metrics]\nlisten = "127.0.0.1:{metrics_port}"\n'
        )
        (root / "prometheus.yml").write_text(
            "global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: sisyphus\n"
            f"    static_configs:\n      - targets: ['127.0.0.1:{metrics_port}']\n"
        )
        watcher = subprocess.Popen(
            [sys.executable, "-m", "tui", "watch", "--state", str(root)],
            stdout=subprocess.DEVNULL,
        )
        server = subprocess.Popen(
            [
                prometheus,
                f"--config.file={root / 'prometheus.yml'}",
                f"--storage.tsdb.path={root / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{prom_port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(5)
            cpu0, t0 = _cpu_seconds(watcher.pid), time.monotonic()
            time.sleep(seconds)
            elapsed = time.monotonic() - t0
            cpu = (_cpu_seconds(watcher.pid) - cpu0) / elapsed
        finally:
            server.terminate()
            watcher.terminate()
            server.wait(10)
            watcher.wait(10)
        print(
            f"watcher with 51 sites every 60 s and /metrics scraped every 15 s by Prometheus, "
            f"{elapsed:.0f} s: {cpu * 100:.2f} % of a core"
        )


def bench_metrics() -> None:
    _scrape_500()
    _watcher_under_scrape(float(os.environ.get("BENCH_METRICS_SECONDS", "300")))
