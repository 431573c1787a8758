"""A steady room over a slow link: 50 healthy sites probed every 30 s, nothing else changing.

The sites are one real nginx (Debian's nginx-light), each answering in about a millisecond.

Bytes per second written to the terminal and share of a core, measured over BENCH_STEADY_SECONDS
(600 by default: 20 rounds) after the first round and its toasts have passed, at 160×48.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from bench.fleet_server import nginx_fleet
from bench.room import _cpu_seconds
from bench.terminal import Terminal

OUT = Path(__file__).resolve().parent / "out"
SITES = 50


def bench_steady() -> None:
    seconds = float(os.environ.get("BENCH_STEADY_SECONDS", "600"))
    with nginx_fleet(SITES) as ports:
        root = OUT / "steady"
        shutil.rmtree(root, ignore_errors=True)
        (root / "tickets" / "to_operator").mkdir(parents=True)
        (root / "sisyphus.toml").write_text(
            '[room]\nprobe_interval = "30s"\n'
            + "".join(
                f'[[sites]]\nname = "site-{n:02d}"\nurl = "http://127.0.0.1:{port}/ok"\n'
                for n, port in enumerate(ports)
            )
        )
        command = shutil.which("sisyphus-room", path=str(Path(sys.executable).parent))
        assert command, "the sisyphus-room command is not installed next to this Python"
        term = Terminal([command, "--state", str(root)], cols=160, rows=48)
        try:
            term.wait_for(lambda s: "✓ 200" in s, seconds=60)  # the first round is on screen
            # The first round's toasts pass; BENCH_STEADY_WARMUP (seconds) also lets the budgets
            # reach their 10 probes and the trends fill their 7 rounds before measuring.
            end = time.monotonic() + float(os.environ.get("BENCH_STEADY_WARMUP", "15"))
            while time.monotonic() < end:
                term.pump(0.1)
            cpu0, bytes0, t0 = _cpu_seconds(term.pid), term.bytes_read, time.monotonic()
            while time.monotonic() < t0 + seconds:
                term.pump(0.2)
            elapsed = time.monotonic() - t0
            cpu = (_cpu_seconds(term.pid) - cpu0) / elapsed
            rate = (term.bytes_read - bytes0) / elapsed
        finally:
            term.kill()
        print(
            f"steady room, {SITES} sites every 30 s, {elapsed:.0f} s: {rate:.0f} bytes/s to the "
            f"terminal, {cpu * 100:.2f} % of a core (target < 100 B/s, < 0.5 %)"
        )
