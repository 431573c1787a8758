"""The round engine against real loopback servers: nothing slow holds what is fast."""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.servers import http_server, silent_listener
from tui.base.clock import system_clock
from tui.base.config_reading import load_config
from tui.ops import rounds
from tui.ops.checks import ProbeResult
from tui.ops.engine import Operations
from tui.ops.rounds import Arrivals


def operations(root: Path, toml: str) -> Operations:
    (root / "sisyphus.toml").write_text(toml)
    return Operations(root, load_config(root), writer=True, now=system_clock())


def test_a_containers_command_that_never_returns_fails_at_its_timeout(root: Path) -> None:
    """The shell's child holds the pipes; the whole process group goes at the timeout, and the
    site's result of the same round is on disk before the containers result arrives."""
    with http_server() as port:
        ops = operations(
            root,
            f'[containers]\ncommand = "sleep 60 | cat"\ntimeout = "1s"\n'
            f'[[sites]]\nname = "shop"\nurl = "http://127.0.0.1:{port}/ok"\n',
        )
        arrivals: list[tuple[list[str], set[str]]] = []  # (checks that came, keys on disk then)

        def arrived(batch: list[ProbeResult]) -> None:
            stored = json.loads((root / ".room" / "probes.json").read_text())
            on_disk = {doc["key"] for doc in stored["_default"].values()}
            arrivals.append(([r.check for r in batch], on_disk))

        start = time.monotonic()
        outcome = ops.round(system_clock, arrived)
        took = time.monotonic() - start
    assert took < 1 + 2, f"the round took {took:.1f} s"
    [containers] = [r for r in outcome.results if r.check == "containers"]
    assert not containers.ok and containers.detail == "command timed out after 1 s"
    assert arrivals[0] == (["http"], {"shop/http"})  # recorded at once, not at the round's end
    assert arrivals[-1][0] == ["containers"]


def test_a_round_over_before_the_first_hand_over_hands_on_nothing(root: Path) -> None:
    """The screen redraws once for a quick round (at its end), not once for its first arrival
    and again at its end."""
    with http_server() as port:
        ops = operations(root, f'[[sites]]\nname = "shop"\nurl = "http://127.0.0.1:{port}/ok"\n')
        seen: list[tuple[list[ProbeResult], frozenset[str]]] = []
        arrivals = Arrivals(
            ["shop"], lambda batch, waiting: seen.append((batch, waiting)), every=60, patience=60
        )
        outcome = ops.round(system_clock, arrivals)
    assert seen == []
    assert [(r.site, r.check, r.ok) for r in outcome.results] == [("shop", "http", True)]


def test_a_site_that_never_answers_does_not_hold_the_others(root: Path) -> None:
    with http_server() as port, silent_listener() as silent:
        ops = operations(
            root,
            f'[[sites]]\nname = "hangs"\nurl = "http://127.0.0.1:{silent}/"\ntimeout = "2s"\n'
            f'[[sites]]\nname = "fine"\nurl = "http://127.0.0.1:{port}/ok"\n',
        )
        seen: list[tuple[list[str], frozenset[str]]] = []
        arrivals = Arrivals(
            ["hangs", "fine"],
            lambda batch, waiting: seen.append(([str(r.site) for r in batch], waiting)),
            every=0,
        )
        outcome = ops.round(system_clock, arrivals)
    assert seen[0] == (["fine"], frozenset())  # shown at once (no "waiting" flash this early)
    assert ([], frozenset({"hangs"})) in seen  # a second on, the room says whom it waits for
    assert seen[-1] == (["hangs"], frozenset())
    hangs = next(r for r in outcome.results if r.site == "hangs")
    assert not hangs.ok and hangs.detail == "timed out"


def test_a_round_that_raises_is_reported_not_raised(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ops = operations(root, '[[sites]]\nname = "shop"\nurl = "http://127.0.0.1:9/"\n')

    async def broken(*args: object, **kwargs: object) -> list[ProbeResult]:
        raise RuntimeError("the resolver library blew up")

    monkeypatch.setattr(rounds, "probe_round", broken)  # the engine takes it from there
    outcome = ops.round(system_clock)
    assert outcome.error is not None and "the resolver library blew up" in outcome.error
    assert outcome.results == ()


def test_rounds_and_budget_reads_in_two_threads(root: Path) -> None:
    """Rounds record (history, budgets, incidents) in one thread while the budget detail is read
    1,000 times in another: no read meets a half-changed record."""
    ops = operations(root, '[[sites]]\nname = "a"\nurl = "http://a.example/"\n')
    start = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    errors: list[BaseException] = []
    reading = threading.Event()
    reading.set()

    def rounds() -> None:
        minute = 0
        try:
            while reading.is_set():
                at = start + timedelta(minutes=minute, seconds=minute % 60)
                result = ProbeResult("a", "http", minute % 7 != 0, 80.0, "200 OK", at)
                ops.record([result], at)
                minute += 1
        except BaseException as exc:
            errors.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show at once
    writer = threading.Thread(target=rounds)
    writer.start()
    try:
        for _ in range(1000):
            trends = ops.budget_trends("a", start + timedelta(days=1))
            assert set(trends) >= {"availability", "latency"}
    finally:
        reading.clear()
        writer.join()
        sys.setswitchinterval(interval)
    assert not errors


def test_the_budget_an_incident_burned_is_its_bad_probes_over_the_window_budget(
    root: Path,
) -> None:
    """Defined once, shown alike in the incident view, the post-mortem and status --json."""
    from tui.ops.incident_record import Incident
    from tui.ops.postmortem import postmortem_text

    ops = operations(root, '[[sites]]\nname = "a"\nurl = "http://a.example/"\n')
    start = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    for minute in range(200):  # 200 probes, the last 20 bad
        at = start + timedelta(minutes=minute)
        ops.record([ProbeResult("a", "http", minute < 180, 80.0, "200 OK", at)], at)
    now = start + timedelta(minutes=200)
    first_bad = start + timedelta(minutes=180)
    incident = Incident(
        "INC-1",
        "a",
        "http",
        "availability",
        "resolved",
        "x",
        first_bad.isoformat(),
        "503",
        resolved_at=(first_bad + timedelta(minutes=10)).isoformat(),
    )
    # 10 bad probes up to the resolution, over a budget of 200 × 0.5 % = 1 probe: 10× the budget.
    assert ops.burned(incident, now) == 10.0
    incident.resolved_at = None
    assert ops.burned(incident, now) == 20.0  # still open: what it has spent so far
    incident.budget_burned = ops.burned(incident, now)
    assert "Error budget burned (availability): 2000.0% of the budget" in postmortem_text(
        incident, now
    )
    slow = Incident("INC-2", "a", "http", "latency", "triggered", "x", first_bad.isoformat(), "")
    # A failed probe is a bad latency event too: 20 over a budget of 200 × 5 % = 10 probes.
    assert ops.burned(slow, now) == 2.0
    no_slo = Incident("INC-3", None, "backup", None, "triggered", "x", first_bad.isoformat(), "")
    assert ops.burned(no_slo, now) is None
