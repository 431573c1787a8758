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


def measure(commands: dict[str, list[str]], runs: int = 9) -> dict[str, tuple[float, float]]:
    """Median wall time (s) and peak RSS (MB) of each command, the runs interleaved so that a
    slow moment of the machine falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    peaks = dict.fromkeys(commands, 0.0)
    for _ in range(runs):
        for name, command in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            start = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            peaks[name] = max(peaks[name], after if after > before else 0)
    return {name: (statistics.median(times[name]), peaks[name] / 1024) for name in commands}


def bench_status() -> None:
    """`status --json` beside its yardsticks: `python -c pass` for the sample (agents call it in
    loops), `find` over the same tree for the large state."""
    from tui.base.resources import data_path

    root = generate(OUT / "large")
    print(f"large state: {root} (10,000 inbox tickets over 20 roles, 100,000 archived)")
    status = [str(Path(sys.executable).parent / "sisyphus-room"), "status", "--json", "--state"]
    got = measure(
        {
            "pass": [sys.executable, "-c", "pass"],
            "sample": [*status, str(data_path("sample_state"))],
            "large": [*status, str(root)],
            "find": ["find", str(root), "-type", "f", "-size", "+0"],
        }
    )
    (bare, _), (sample, _), (large, large_mb), (find, _) = (
        got["pass"],
        got["sample"],
        got["large"],
        got["find"],
    )
    print(
        f"status --json on the sample: median {sample * 1000:.0f} ms, {sample / bare:.1f}× "
        f"python -c pass ({bare * 1000:.0f} ms; target 5×)"
    )
    print(
        f"status --json on the large state: median {large:.2f} s, {large / find:.1f}× find over "
        f"the same tree ({find:.2f} s; target 1.5×), peak RSS {large_mb:.0f} MB (target < 150 MB)"
    )


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
