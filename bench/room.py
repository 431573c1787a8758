"""The room in a real pseudo-terminal: first paint, file-to-screen latency, idle cost."""

from __future__ import annotations

import compileall
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.terminal import Terminal

BIN = Path(sys.executable).parent


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    import os

    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def first_paint(
    argv: list[str], ready: str, cols: int = 160, rows: int = 48
) -> tuple[float, float]:
    """Seconds from start until `ready` is on screen, and the peak RSS in MB, for one run."""
    start = time.monotonic()
    term = Terminal(argv, cols=cols, rows=rows)
    try:
        shown = term.wait_for(lambda s: ready in s, seconds=60)
        return shown - start, _peak_mb(term.pid)
    finally:
        term.kill()


def first_paints(
    commands: dict[str, tuple[list[str], str]], runs: int = 9
) -> dict[str, tuple[float, float]]:
    """Median first paint and peak RSS of each command, the runs interleaved so that a slow
    moment of the machine falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, float] = dict.fromkeys(commands, 0.0)
    for _ in range(runs):
        for name, (argv, ready) in commands.items():
            seconds, peak = first_paint(argv, ready)
            times[name].append(seconds)
            peaks[name] = max(peaks[name], peak)
    return {name: (statistics.median(times[name]), peaks[name]) for name in commands}


def write_ticket(root: Path, name: str) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = root / "tickets" / "to_operator" / f"{name}.md"
    temp = path.with_name(f".{name}.tmp")
    temp.write_text(
        f"---\nid: {name}\nfrom: architect\npriority: P0\nsubject: bench {name}\ndeliverable: d\ncreated: {now}\n---\n"
    )
    temp.rename(path)


def latency(root: Path, samples: int = 20) -> list[float]:
    """Seconds from a ticket file renamed into place until its id is on screen."""
    term = Terminal(
        [str(BIN / "sisyphus-room"), "--state", str(root), "--read-only"], cols=160, rows=48
    )
    results = []
    try:
        term.wait_for(lambda s: "Inboxes" in s and "operator" in s)
        time.sleep(1.0)
        for n in range(samples):
            name = f"LAT-{n:03d}"
            start = time.monotonic()
            write_ticket(root, name)
            shown = term.wait_for(lambda s, name=name: name in s, seconds=10)
            results.append(shown - start)
            time.sleep(0.3)
    finally:
        term.kill()
    return results


def idle(argv: list[str], ready: str, seconds: float = 30.0) -> tuple[float, float]:
    """Share of one core and bytes/s written to the terminal while nothing changes."""
    term = Terminal(argv, cols=160, rows=48)
    try:
        term.wait_for(lambda s: ready in s)
        end = time.monotonic() + 25
        while time.monotonic() < end:  # let the first scan settle and the first toasts expire
            term.pump(0.1)
        cpu0, bytes0, t0 = _cpu_seconds(term.pid), term.bytes_read, time.monotonic()
        end = t0 + seconds
        while time.monotonic() < end:
            term.pump(0.2)
        elapsed = time.monotonic() - t0
        return (_cpu_seconds(term.pid) - cpu0) / elapsed, (term.bytes_read - bytes0) / elapsed
    finally:
        term.kill()


def bench_room() -> None:
    from bench.large_state import generate
    from tui.base.resources import data_path

    # pip compiles an installed package's modules; an editable install leaves it to the first run,
    # which cannot write them when PYTHONDONTWRITEBYTECODE is set. Compile them as pip would.
    for package in ("tui", "widgets"):
        compileall.compile_dir(str(Path(__file__).resolve().parent.parent / package), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample"
        shutil.copytree(data_path("sample_state"), sample)
        large = generate(Path(__file__).resolve().parent / "out" / "large")
        room = [str(BIN / "sisyphus-room"), "--read-only", "--state"]
        paints = first_paints(
            {
                "bare": ([sys.executable, "-m", "bench.bare_app"], "bare app ready"),
                "sample": ([*room, str(sample)], "T-0101"),
                "large": ([*room, str(large)], "T-0"),
            }
        )
        (bare, bare_mb), (small, small_mb), (big, big_mb) = (
            paints["bare"],
            paints["sample"],
            paints["large"],
        )
        print(
            f"first paint, bare Textual app: median {bare * 1000:.0f} ms, peak RSS {bare_mb:.0f} MB"
        )
        print(
            f"first paint, room on sample_state: median {small * 1000:.0f} ms ({small / bare:.2f}× the "
            f"bare app; target 1.5×), peak RSS {small_mb:.0f} MB"
        )
        print(
            f"first paint, room on the large state (10k inbox, 100k archive): median {big:.2f} s, "
            f"peak RSS {big_mb:.0f} MB (target < 1 s, < 200 MB)"
        )
        lat = latency(sample)
        print(
            f"file renamed into an inbox → on screen: median {statistics.median(lat) * 1000:.0f} ms, "
            f"max {max(lat) * 1000:.0f} ms over {len(lat)} files (target median < 250 ms)"
        )
        quiet = Path(tmp) / "quiet"  # the sample's tickets and no sites: nothing changes at all
        shutil.copytree(data_path("sample_state"), quiet)
        (quiet / "sisyphus.toml").write_text('[room]\nroles = ["architect", "operator"]\n')
        cpu, rate = idle(
            [str(BIN / "sisyphus-room"), "--state", str(quiet), "--read-only"], "T-0101"
        )
        bare_cpu, bare_rate = idle([sys.executable, "-m", "bench.bare_app"], "bare app ready")
        print(
            f"idle for 30 s (sample tickets, no sites): {cpu * 100:.2f} % of a core, {rate:.0f} bytes/s to the "
            f"terminal (bare app: {bare_cpu * 100:.2f} %, {bare_rate:.0f} B/s; target < 0.5 %, < 150 B/s)"
        )
