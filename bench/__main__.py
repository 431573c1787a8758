"""Run the benchmarks: `python -m bench` (or `make bench`). Prints one line per figure."""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.large_state import generate

OUT = Path(__file__).resolve().parent / "out"


def measure(command: list[str], runs: int = 5) -> tuple[float, float]:
    """Median wall time (s) and peak RSS (MB) of a command run `runs` times."""
    times = []
    peak = 0.0
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
        peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return statistics.median(times), peak / 1024


def bench_status() -> None:
    root = generate(OUT / "large")
    print(f"large state: {root} (10,000 inbox tickets over 20 roles, 100,000 archived)")
    seconds, mb = measure([sys.executable, "-m", "tui", "status", "--json", "--state", str(root)])
    print(
        f"status --json on the large state: median {seconds:.2f} s, peak RSS {mb:.0f} MB (target < 1.5 s, < 150 MB)"
    )
    seconds, mb = measure([sys.executable, "-c", "import tui.cli"])
    print(f"  (interpreter + imports alone: median {seconds:.2f} s, peak RSS {mb:.0f} MB)")


def bench_room_all() -> None:
    from bench.room import bench_room

    bench_room()


def bench_probes_all() -> None:
    from bench.probes import bench_probes
    from bench.versus_curl import bench_versus_curl

    bench_versus_curl()  # the room beside curl, on one real nginx
    bench_probes()


def bench_store_all() -> None:
    from bench.store import bench_store

    bench_store()


def bench_views_all() -> None:
    from bench.views import bench_views

    bench_views()


def bench_worst_all() -> None:
    from bench.worst_tickets import bench_worst_tickets

    bench_worst_tickets()


def bench_steady_all() -> None:
    from bench.steady import bench_steady

    bench_steady()


def bench_watch_all() -> None:
    from bench.watch import bench_watch

    bench_watch()


def bench_metrics_all() -> None:
    from bench.metrics import bench_metrics

    bench_metrics()


BENCHES = {
    "status": bench_status,
    "room": bench_room_all,
    "probes": bench_probes_all,
    "store": bench_store_all,
    "views": bench_views_all,
    "worst": bench_worst_all,
    "steady": bench_steady_all,
    "watch": bench_watch_all,
    "metrics": bench_metrics_all,
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "names", nargs="*", choices=[*BENCHES, []], help="which benchmarks (default: all)"
    )
    args = parser.parse_args()
    for name in args.names or BENCHES:
        BENCHES[name]()


if __name__ == "__main__":
    main()
