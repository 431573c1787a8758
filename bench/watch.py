"""A watcher keeping watch: 50 healthy loopback sites and one that goes down, probed every 60 s.

Measured over BENCH_WATCH_SECONDS (600 by default) of the real `sisyphus-room watch` process:
its share of a core, its resident memory (the most seen), and the time from the incident opening
to its first notification reaching a loopback webhook (the ladder's 60 s plus the delivery), and
from the site going down to that notification. Run twice: with the webhook alone, then with two
faulty channels listed before it (one that hangs, one that drips its answer a byte every 5 s).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.fleet_server import fleet
from bench.room import _cpu_seconds
from tests.servers import Faulty, Recorder, Switch, faulty_server, recording_server, switch_server

OUT = Path(__file__).resolve().parent / "out"
SITES = 50


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def bench_watch() -> None:
    seconds = float(os.environ.get("BENCH_WATCH_SECONDS", "600"))
    _run(seconds, faults=False)
    _run(seconds, faults=True)


def _run(seconds: float, faults: bool) -> None:
    switch, recorder = Switch(), Recorder()
    switch.up = True
    hang, drip = Faulty("hang"), Faulty("drip")
    with (
        fleet(1, SITES) as ports,
        switch_server(switch) as canary,
        recording_server(recorder) as hook,
        faulty_server(hang) as hang_port,
        faulty_server(drip) as drip_port,
    ):
        channels = "".join(
            f'[[notify]]\nname = "{name}"\nkind = "webhook"\nurl = "http://127.0.0.1:{port}/"\n'
            'events = ["incident"]\n'
            for name, port in (("hang", hang_port), ("drip", drip_port))
            if faults
        )
        root = OUT / "watch"
        shutil.rmtree(root, ignore_errors=True)
        (root / "tickets" / "to_operator").mkdir(parents=True)
        sites = [(f"site-{n:02d}", f"http://127.0.0.1:{port}/ok") for n, port in enumerate(ports)]
        sites.append(("canary", f"http://127.0.0.1:{canary}/"))
        (root / "sisyphus.toml").write_text(
            '[room]\nprobe_interval = "60s"\n'
            + "".join(f'[[sites]]\nname = "{name}"\nurl = "{url}"\n' for name, url in sites)
            + channels
            + f'[[notify]]\nkind = "webhook"\nurl = "http://127.0.0.1:{hook}/"\n'
            + 'events = ["incident"]\n'
        )
        watcher = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tui",
                "watch",
                "--state",
                str(root),
                "--log-format",
                "json",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        opened: list[str] = []

        def read_log() -> None:
            assert watcher.stdout is not None
            for line in watcher.stdout:
                event = json.loads(line)
                if event["event"] == "incident opened":
                    opened.append(event["opened_at"])

        threading.Thread(target=read_log, daemon=True).start()
        try:
            time.sleep(5)  # start-up and the first round
            cpu0, t0, rss = _cpu_seconds(watcher.pid), time.monotonic(), 0.0
            down_at = None
            while time.monotonic() < t0 + seconds:
                if down_at is None and time.monotonic() > t0 + 30:
                    switch.up, down_at = False, time.time()
                rss = max(rss, _rss_mb(watcher.pid))
                time.sleep(1)
            elapsed = time.monotonic() - t0
            cpu = (_cpu_seconds(watcher.pid) - cpu0) / elapsed
        finally:
            watcher.terminate()
            watcher.wait(10)
        beside = ", a hanging and a dripping channel beside the webhook" if faults else ""
        print(
            f"watcher, {SITES + 1} sites every 60 s{beside}, {elapsed:.0f} s: {cpu * 100:.2f} % "
            f"of a core, RSS at most {rss:.0f} MB (target < 0.5 %, < 80 MB)"
        )
        if recorder.received and opened and down_at is not None:
            [_, _, body] = recorder.received[0]
            sent = datetime.fromisoformat(json.loads(body)["at"]).timestamp()
            arrived = recorder.arrived[0]
            open_time = datetime.fromisoformat(opened[0]).replace(tzinfo=UTC).timestamp()
            print(
                f"  incident opened → first notification received: {arrived - open_time:.1f} s "
                f"(ladder 60 s; announced at {sent - open_time:.0f} s); site down → "
                f"notification: {arrived - down_at:.0f} s (detection takes 3 failing rounds)"
            )
        else:
            print("  no notification within the run: make BENCH_WATCH_SECONDS at least 300")
