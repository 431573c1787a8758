"""Error budgets: the maths, the rolled-up history on real files, the freeze, two rooms at once."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import NOW
from tests.servers import http_server, tls_servers
from tui.budgets import read_freeze, report, write_freeze
from tui.config import Config, Site, load_config
from tui.history import History, key_of
from tui.probes import ProbeResult
from tui.slo import (
    BINARY_TARGET,
    MULTIWINDOW,
    Counts,
    burn_rate,
    events,
    firing,
    projected_recovery,
    remaining,
    slo_keys,
)
from tui.store import WriterLock


def test_budget_maths_as_the_workbook_defines_it() -> None:
    assert remaining(Counts(1000, 1000), 0.995) == 1.0
    assert remaining(Counts(995, 1000), 0.995) == pytest.approx(0.0)
    assert remaining(Counts(998, 1000), 0.995) == pytest.approx(0.6)
    assert remaining(Counts(990, 1000), 0.995) == pytest.approx(-1.0)
    assert remaining(Counts(0, 0), 0.995) is None  # unknown, never good
    assert burn_rate(Counts(986, 1000), 0.999) == pytest.approx(14.0)
    assert burn_rate(Counts(0, 0), 0.999) is None


def test_multiwindow_table_fires_on_both_windows_only() -> None:
    assert [(row.factor, row.long, row.short) for row in MULTIWINDOW] == [
        (14.4, "1h", "5m"),
        (6.0, "6h", "30m"),
        (1.0, "3d", "6h"),
    ]
    assert firing({"1h": 15.0, "5m": 20.0, "6h": 2.0, "30m": 2.0, "3d": 0.5}) == ("page",)
    assert (
        firing({"1h": 15.0, "5m": 1.0, "6h": 2.0, "30m": 2.0, "3d": 0.5}) == ()
    )  # recovered: short window calm
    assert firing({"1h": None, "5m": 20.0}) == ()  # unknown is not a burn


def test_events_per_slo() -> None:
    config = Config(latency_p95_ms=500, tls_min_days=7)
    fast = ProbeResult("a", "http", True, 120.0, "200 OK", NOW)
    slow = ProbeResult("a", "http", True, 900.0, "200 OK", NOW)
    down = ProbeResult("a", "http", False, None, "503", NOW)
    assert events(fast, config) == [("availability", True), ("latency", True)]
    assert events(slow, config) == [("availability", True), ("latency", False)]
    assert events(down, config) == [("availability", False), ("latency", False)]
    soon = ProbeResult(
        "a", "tls", False, None, "certificate expires in 3 days", NOW, {"days_left": 3.0}
    )
    bad = ProbeResult("a", "tls", False, None, "certificate verify failed: expired", NOW)
    assert events(soon, config) == [("cert_validity", True), ("tls_expiry", False)]
    assert events(bad, config) == [("cert_validity", False), ("tls_expiry", False)]


def test_seven_slos_are_all_asked_for() -> None:
    config = Config(
        sites=(Site("a", "https://a.example/", dns_name="a.example", expect_a=("1.2.3.4",)),),
        backups_path="backups",
        containers_command="true",
    )
    names = {name for _, name in slo_keys(config)}
    assert names == {
        "availability",
        "latency",
        "containers",
        "tls_expiry",
        "backups",
        "dns",
        "cert_validity",
    }


TWO_SITES = (Site("good", "http://good.example/"), Site("bad", "http://bad.example/"))


def month_of_minutes(folder: Path, config: Config, fail_from: timedelta | None = None) -> History:
    """30 days of one probe a minute for two sites, written as the room writes it (no sleeping)."""
    history = History(folder, read_only=False, window=config.slo_window)
    start = NOW - timedelta(days=30)
    for minute in range(30 * 24 * 60):
        at = start + timedelta(minutes=minute)
        failing = fail_from is not None and at >= NOW - fail_from
        history.add(
            [
                ProbeResult("good", "http", True, 100.0, "200 OK", at),
                ProbeResult("bad", "http", not failing, 100.0, "503" if failing else "200 OK", at),
            ],
            config,
        )
        if minute % 60 == 59:
            history.save(at)
    history.save(NOW)
    return history


def test_a_month_of_history_is_bounded_and_right(tmp_path: Path) -> None:
    config = Config(slo_window=timedelta(days=30), availability=0.995, sites=TWO_SITES)
    history = month_of_minutes(tmp_path, config, fail_from=timedelta(hours=2))
    minutes = json.loads((tmp_path / "history-minutes.json").read_text())
    assert all(
        len(doc["t"]) <= 121 for doc in minutes["_default"].values()
    )  # about two hours of minutes
    budget = report(history, config, NOW)
    by = {(s.site, s.name): s for s in budget.statuses}
    good, bad = by[("good", "availability")], by[("bad", "availability")]
    assert good.budget_remaining == 1.0
    # 120 bad minutes of 43,200: bad share 0.28 %, budget 0.5 % → 44 % left.
    assert bad.window.bad == 120
    assert bad.budget_remaining == pytest.approx(1 - (120 / bad.window.total) / 0.005, abs=1e-6)
    assert bad.burn["5m"] == pytest.approx(200.0) and "page" in bad.alerts
    reread = History(tmp_path, read_only=True, window=config.slo_window)
    assert reread.periods(key_of("bad", "availability"), NOW) == history.periods(
        key_of("bad", "availability"), NOW
    )


def test_truncated_store_is_set_aside_and_the_room_starts(tmp_path: Path) -> None:
    config = Config(slo_window=timedelta(days=30))
    history = History(tmp_path, read_only=False)
    history.add([ProbeResult("a", "http", True, 10.0, "200 OK", NOW)], config)
    history.save(NOW)
    data = (tmp_path / "history-minutes.json").read_bytes()
    (tmp_path / "history-minutes.json").write_bytes(data[: len(data) // 2])
    again = History(tmp_path, read_only=False)
    assert again.minutes == {}
    assert any("moved aside" in note for note in again.notes)
    aside = list(tmp_path.glob("history-minutes.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == data[: len(data) // 2]  # nothing lost


def test_freeze_file_keeps_since_and_lifts(tmp_path: Path) -> None:
    config = Config(slo_window=timedelta(days=30), freeze_below=0.2, sites=TWO_SITES)
    history = month_of_minutes(tmp_path, config, fail_from=timedelta(hours=4))
    budget = report(history, config, NOW, tmp_path)
    assert budget.freeze and next((s.site, s.name) for s in budget.frozen_by) == (
        "bad",
        "availability",
    )
    write_freeze(tmp_path, budget, NOW)
    later = report(history, config, NOW + timedelta(minutes=5), tmp_path)
    assert later.since == NOW  # the freeze began at the first report, not at this one
    assert budget.lifts_at is not None and budget.lifts_at > NOW
    data = read_freeze(tmp_path)
    assert (
        data is not None and data["freeze"] is True and data["reasons"][0]["slo"] == "availability"
    )


def test_projected_recovery_when_bad_hours_leave_the_window() -> None:
    hourly = [(NOW - timedelta(days=29, hours=23), Counts(0, 60))] + [
        (NOW - timedelta(hours=h), Counts(60, 60)) for h in range(1, 200)
    ]
    moment = projected_recovery(hourly, 0.995, 0.2, timedelta(days=30), NOW)
    assert moment is not None and NOW < moment <= NOW + timedelta(hours=2)


def test_binary_slos_have_a_budget() -> None:
    assert BINARY_TARGET < 1.0
    assert remaining(Counts(99, 100), BINARY_TARGET) == pytest.approx(0.0)


def run_status(root: Path, *extra: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-m", "tui", "status", "--json", "--state", str(root), *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_loopback_fleet_spends_the_right_budgets_and_freezes(root: Path) -> None:
    with http_server() as port, tls_servers(root) as tls:
        (root / "sisyphus.toml").write_text(f"""
[[sites]]
name = "healthy"
url = "http://127.0.0.1:{port}/ok"
[[sites]]
name = "down"
url = "http://127.0.0.1:{port}/fail"
[[sites]]
name = "cert-soon"
url = "https://localhost:{tls["soon"]}/ok"
ca_file = "ca.pem"
""")
        for _ in range(3):
            data = run_status(root, "--probe")
    slos = {(s["site"], s["name"]): s for s in data["slos"]}  # type: ignore[union-attr]
    assert slos[("down", "availability")]["budget_remaining"] <= 0
    assert slos[("down", "availability")]["frozen"] is True
    assert slos[("healthy", "availability")]["budget_remaining"] == 1.0
    assert slos[("healthy", "latency")]["budget_remaining"] == 1.0
    assert slos[("cert-soon", "tls_expiry")]["budget_remaining"] <= 0
    assert slos[("cert-soon", "cert_validity")]["budget_remaining"] == 1.0
    assert slos[("cert-soon", "availability")]["budget_remaining"] == 1.0
    assert data["freeze"] is True
    freeze = json.loads((root / ".room" / "freeze.json").read_text())
    assert {(r["site"], r["slo"]) for r in freeze["reasons"]} >= {
        ("down", "availability"),
        ("cert-soon", "tls_expiry"),
    }
    check = subprocess.run(
        [sys.executable, "-m", "tui", "check", "--state", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        check.returncode == 1
        and "deploy freeze: " in check.stdout
        and "down/availability" in check.stdout
    )
    # A second reader while a room holds the lock: the same figures, and it does not write.
    lock = WriterLock(root / ".room")
    assert lock.acquire()
    try:
        before = (root / ".room" / "history-minutes.json").read_bytes()
        reader = run_status(root)
        assert {(s["site"], s["name"]): s["budget_remaining"] for s in reader["slos"]} == {  # type: ignore[union-attr]
            key: value["budget_remaining"] for key, value in slos.items()
        }
        assert (root / ".room" / "history-minutes.json").read_bytes() == before
    finally:
        lock.release()
    assert load_config(root).freeze_below == 0.2


@given(
    st.dictionaries(
        st.integers(0, 10_000).map(lambda n: n * 60),
        st.tuples(st.integers(0, 5), st.integers(0, 5)).map(lambda gt: (min(gt), max(gt))),
        max_size=40,
    )
)
def test_history_files_round_trip(buckets: dict[int, tuple[int, int]]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        history = History(Path(tmp), read_only=False)
        history._write(history.minutes_db, {"a/availability": buckets})
        assert History(Path(tmp), read_only=True).minutes.get("a/availability", {}) == buckets
