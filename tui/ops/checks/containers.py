"""The containers probe: a command lists `name<TAB>status` lines, each read as running or not.

A status nobody agreed on is said, never guessed good; a command that fails, hangs or prints
garbage is a failing result with its reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from tui.base.sanitize import clean, shorten
from tui.ops.checks.base import DEADLINE_MARGIN, Check, Probe, ProbeResult

# `docker ps` / `podman ps` statuses ("Up 3 hours (healthy)", "Exited (1) 2 minutes ago") and the
# plain words people print (`name<TAB>healthy`).
UP_WORDS = {"up", "healthy", "running"}
DOWN_WORDS = {
    "exited",
    "restarting",
    "created",
    "paused",
    "dead",
    "removing",
    "stopped",
    "starting",
    "unhealthy",
    "down",
    "failed",
    "error",
}


def parse_containers(output: str) -> tuple[list[str], list[str], list[str]]:
    """(running, failing, unparseable lines) from `name<TAB>status` lines."""
    running, failing, garbage = [], [], []
    for line in output.splitlines():
        if not line.strip():
            continue
        name, sep, status = line.partition("\t")
        if not sep or not name.strip():
            garbage.append(clean(line))
            continue
        name, status = clean(name.strip()), status.strip().lower()
        word = status.split(" ", 1)[0].strip("()")
        if "unhealthy" in status or word in DOWN_WORDS:
            failing.append(f"{name} ({clean(status)})")
        elif word in UP_WORDS:
            running.append(name)
        else:  # a shape nobody agreed on: said, never guessed good
            garbage.append(
                clean(f"{name}: status {status or '(empty)'!r} is not one the room reads")
            )
    return running, failing, garbage


async def probe_containers(
    command: str, now: Callable[[], datetime], timeout: float = 10.0
) -> ProbeResult:
    from tui.base.shell import run_command  # asyncio: loaded when a round runs

    start = time.perf_counter()
    try:
        code, out, err = await run_command(command, timeout)
    except OSError as exc:
        return ProbeResult(
            None, "containers", False, None, clean(f"cannot run the command: {exc}"), now()
        )
    if code is None:
        return ProbeResult(
            None, "containers", False, None, f"command timed out after {timeout:g} s", now()
        )
    latency = (time.perf_counter() - start) * 1000
    if code != 0:
        message = shorten(clean(err.decode("utf-8", "replace").strip() or "no message"), 120)
        return ProbeResult(
            None, "containers", False, latency, f"command exited {code}: {message}", now()
        )
    running, failing, garbage = parse_containers(out.decode("utf-8", "replace"))
    if garbage:
        detail = f"unreadable output: {shorten(garbage[0], 80)}"
        return ProbeResult(None, "containers", False, latency, detail, now())
    if not running and not failing:
        return ProbeResult(None, "containers", False, latency, "no containers listed", now())
    if failing:
        detail = f"{len(running)} running, {len(failing)} not: {shorten(', '.join(failing), 120)}"
        return ProbeResult(None, "containers", False, latency, detail, now(), {"failing": failing})
    return ProbeResult(None, "containers", True, latency, f"{len(running)} running", now())


CHECKS = (
    Check(
        "containers",
        per_site=False,
        slos=lambda site, config: (
            ("containers",) if site is None and config.containers_command else ()
        ),
        events=lambda result, config: [("containers", result.ok)],
        breaks=lambda result: "containers",
    ),
)

PROBE = Probe(
    ("containers",),
    start=lambda context, site: probe_containers(
        context.config.containers_command or "",
        context.now,
        context.config.containers_timeout.total_seconds(),
    ),
    deadline=lambda site, config: config.containers_timeout.total_seconds() + DEADLINE_MARGIN,
)
