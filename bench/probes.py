"""One probe round over 500 loopback sites, and the room's key latency during rounds."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.fleet_server import fleet
from bench.terminal import Terminal

SITES = 500


def write_state(root: Path, ports: list[int], interval: str = "2s") -> None:
    (root / "tickets" / "to_operator").mkdir(parents=True)
    lines = [f'[room]\nprobe_interval = "{interval}"\n']
    for n in range(SITES):
        path = "fail" if n % 50 == 0 else "ok"
        lines.append(
            f'[[sites]]\nname = "site-{n:03d}"\nurl = "http://127.0.0.1:{ports[n % len(ports)]}/{path}/{n}"\n'
        )
    (root / "sisyphus.toml").write_text("\n".join(lines))


def bench_probes() -> None:
    from tui.base.clock import system_clock
    from tui.base.config_reading import load_config
    from tui.ops.rounds import run_round

    with fleet() as ports, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "state"
        write_state(root, ports)
        config = load_config(root)
        run_round(root, config, system_clock)  # warm up the servers
        times = []
        for _ in range(3):
            start = time.perf_counter()
            results = run_round(root, config, system_clock)
            times.append(time.perf_counter() - start)
        failing = sum(1 for r in results if not r.ok)
        print(
            f"probe round over {SITES} loopback sites: median {statistics.median(times):.2f} s "
            f"({failing} failing as planted; target < 3 s)"
        )
        term = Terminal(
            [str(Path(sys.executable).parent / "sisyphus-room"), "--state", str(root)],
            cols=160,
            rows=48,
        )
        try:
            term.wait_for(lambda s: "Probes · 500 sites" in s, seconds=60)
            # Type into the filter box during the rounds: each letter must show up on screen.
            # (A cursor move is ambiguous to detect while the probe rows keep changing.)
            term.send("/")
            term.wait_for(lambda s: "filter: words" in s)
            typed, delays = "", []
            for letter in "zqxjzqxjzqxjzqxjzqxjzqxjzqxjzq":
                typed += letter
                start = time.monotonic()
                term.send(letter)
                shown = term.wait_for(lambda s, typed=typed: typed in s, seconds=10)
                delays.append(shown - start)
                time.sleep(0.1)
            print(
                f"key press → screen during continuous probe rounds: median {statistics.median(delays) * 1000:.0f} ms, "
                f"p90 {sorted(delays)[int(len(delays) * 0.9)] * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms "
                f"over {len(delays)} presses (target < 100 ms)"
            )
        finally:
            term.kill()
