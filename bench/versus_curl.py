"""The room's probe round beside curl, on the same URLs of the same real nginx, in one run.

Two figures (issue: truth in time): the round's wall time for 500 sites against
`curl --parallel --parallel-max 32` (the room's default concurrency), and the latency the room
records for 50 sites against what curl measures for the same requests (time to the first byte).
Both open a connection per request (`Connection: close`), as the room does for its sites.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.fleet_server import nginx_fleet

PORTS = 8  # nginx server blocks the sites are spread over


def _state(root: Path, urls: list[str]) -> None:
    (root / "tickets" / "to_operator").mkdir(parents=True)
    lines = ['[room]\nprobe_interval = "1h"\n']
    lines += [f'[[sites]]\nname = "site-{n:03d}"\nurl = "{url}"\n' for n, url in enumerate(urls)]
    (root / "sisyphus.toml").write_text("\n".join(lines))


def _curl(urls: list[str], folder: Path) -> tuple[float, list[float]]:
    """Wall seconds for all the URLs, and each request's time to the first byte (ms)."""
    listing = folder / "curl.txt"
    listing.write_text("".join(f'url = "{url}"\noutput = "/dev/null"\n' for url in urls))
    start = time.perf_counter()
    done = subprocess.run(
        ["curl", "--parallel", "--parallel-max", "32", "-s", "-w", "%{time_starttransfer}\n",
         "-H", "Connection: close", "--config", str(listing)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - start
    return wall, [float(line) * 1000 for line in done.stdout.split()]


def _room(root: Path) -> tuple[float, list[float]]:
    from tui.base.clock import system_clock
    from tui.base.config_reading import load_config
    from tui.ops.rounds import run_round

    config = load_config(root)
    start = time.perf_counter()
    results = run_round(root, config, system_clock)
    wall = time.perf_counter() - start
    assert all(r.ok for r in results), [r.detail for r in results if not r.ok][:3]
    return wall, [r.latency_ms for r in results if r.latency_ms is not None]


def compare(sites: int, runs: int) -> tuple[float, float, float, float]:
    """Median (room wall s, curl wall s, room latency ms, curl latency ms) over `runs` pairs,
    interleaved so both see the same machine."""
    with nginx_fleet(PORTS) as ports, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        urls = [f"http://127.0.0.1:{ports[n % PORTS]}/ok?site={n}" for n in range(sites)]
        _state(folder / "state", urls)
        _room(folder / "state")  # warm up: imports, nginx's workers
        _curl(urls, folder)
        room_walls, curl_walls, room_ms, curl_ms = [], [], [], []
        for _ in range(runs):
            wall, latencies = _room(folder / "state")
            room_walls.append(wall)
            room_ms.append(statistics.median(latencies))
            wall, latencies = _curl(urls, folder)
            curl_walls.append(wall)
            curl_ms.append(statistics.median(latencies))
    median = statistics.median
    return median(room_walls), median(curl_walls), median(room_ms), median(curl_ms)


def bench_versus_curl() -> None:
    room, curl, _, _ = compare(500, 5)
    print(
        f"probe round, 500 sites on one nginx: room {room:.2f} s, curl --parallel-max 32 "
        f"{curl:.2f} s: {room / curl:.1f}x (target <= 5x)"
    )
    _, _, room_ms, curl_ms = compare(50, 7)
    print(
        f"recorded latency, 50 sites on one nginx: room median {room_ms:.1f} ms, curl "
        f"{curl_ms:.2f} ms: {room_ms - curl_ms:+.1f} ms (target within 5 ms)"
    )


if __name__ == "__main__":
    bench_versus_curl()
