"""Error budgets: the maths, the rolled-up history on real files, the freeze, two rooms at once."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import NOW
from tests.servers import http_server, tls_servers
from tui.base.config import Config, Site
from tui.base.config_reading import load_config
from tui.base.writer_lock import WriterLock
from tui.ops.budgets import read_freeze, report, write_freeze
from tui.ops.checks import Cause, ProbeResult, slo_keys
from tui.ops.history import History, key_of
from tui.ops.slo import (
    BINARY_TARGET,
    MULTIWINDOW,
    Counts,
    burn_rate,
    events,
    firing,
    projected_recovery,
    remaining,
)


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
    bad = ProbeResult(
        "a", "tls", False, None, "certificate verify failed: expired", NOW, cause=Cause.EXPIRED
    )
    host = ProbeResult(
        "a", "tls", False, None, "certificate verify failed: Hostname mismatch", NOW,
        cause=Cause.CERTIFICATE,
    )  # fmt: skip
    unverified = ProbeResult(
        "a",
        "tls",
        False,
        None,
        "certificate expired 2d00h ago (chain not verified: …)",
        NOW,
        {"days_left": -2.0, "verified": False},
    )
    refused = ProbeResult(
        "a", "http", False, None, "certificate verify failed: self-signed", NOW,
        cause=Cause.CERTIFICATE,
    )  # fmt: skip
    assert events(soon, config) == [("cert_validity", True), ("tls_expiry", False)]
    assert events(bad, config) == [("cert_validity", False), ("tls_expiry", False)]
    assert events(host, config) == [("cert_validity", False)]  # not an expiry
    assert events(unverified, config) == [("tls_expiry", False)]  # expiry read all the same
    assert events(refused, config) == []  # the certificate's fault: its tls result counts it


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


MONTH = Config(slo_window=timedelta(days=30), availability=0.995, sites=TWO_SITES)


@pytest.fixture(scope="module")
def month_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A month of minutes, "bad" failing for its last 4 hours: built once for the module."""
    folder = tmp_path_factory.mktemp("month")
    month_of_minutes(folder, MONTH, fail_from=timedelta(hours=4))
    return folder


def a_month(template: Path, tmp_path: Path) -> History:
    """This test's own copy of the month (real files), read back as the room reads them."""
    shutil.copytree(template / "history", tmp_path / "history")
    return History(tmp_path, read_only=False, window=MONTH.slo_window)


def test_a_month_of_history_is_bounded_and_right(month_template: Path, tmp_path: Path) -> None:
    config = MONTH
    history = a_month(month_template, tmp_path)
    folder = tmp_path / "history"
    journals = sorted(path.name for path in folder.glob("minutes-*.jsonl"))
    assert journals == ["minutes-2026-11-24T09.jsonl"]  # at 10:00 the hour before is kept
    assert len(list(folder.glob("hours-*.json"))) == 31  # a day file for each day of the window
    assert all(sum(map(len, by_hour.values())) <= 120 for by_hour in history.minutes.values())
    budget = report(history, config, NOW)
    by = {(s.site, s.name): s for s in budget.statuses}
    good, bad = by[("good", "availability")], by[("bad", "availability")]
    assert good.budget_remaining == 1.0
    # 240 bad minutes of 43,200: bad share 0.56 %, budget 0.5 % → overspent by 11 %.
    assert bad.window.bad == 240
    assert bad.budget_remaining == pytest.approx(1 - (240 / bad.window.total) / 0.005, abs=1e-6)
    assert bad.burn["5m"] == pytest.approx(200.0) and "page" in bad.alerts
    reread = History(tmp_path, read_only=True, window=config.slo_window)
    assert reread.periods(key_of("bad", "availability"), NOW) == history.periods(
        key_of("bad", "availability"), NOW
    )


def test_a_journal_cut_mid_write_is_set_aside_and_its_good_lines_kept(tmp_path: Path) -> None:
    config = Config(slo_window=timedelta(days=30))
    history = History(tmp_path, read_only=False)
    history.add([ProbeResult("a", "http", True, 10.0, "200 OK", NOW)], config)
    history.save(NOW)
    history.add([ProbeResult("a", "http", False, 10.0, "503", NOW + timedelta(minutes=1))], config)
    history.save(NOW + timedelta(minutes=1))
    journal = history.journal_path(int(NOW.timestamp()))
    data = journal.read_bytes()
    torn = data[: len(data) - 5]  # the second round's line cut short
    journal.write_bytes(torn)
    reader = History(tmp_path, read_only=True)
    assert journal.read_bytes() == torn and any("left in place" in n for n in reader.notes)
    again = History(tmp_path, read_only=False)
    assert again.counts("a/availability", NOW - timedelta(hours=1)) == Counts(1, 1)  # the good line
    assert any("moved aside" in note for note in again.notes)
    aside = list(journal.parent.glob(f"{journal.name}.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == torn  # nothing lost
    again.add([ProbeResult("a", "http", True, 10.0, "200 OK", NOW + timedelta(minutes=2))], config)
    again.save(NOW + timedelta(minutes=2))  # appends after a clean last line
    assert History(tmp_path, read_only=True).counts(
        "a/availability", NOW - timedelta(hours=1)
    ) == Counts(2, 2)


def test_a_truncated_day_file_is_set_aside_and_the_rest_is_read(
    month_template: Path, tmp_path: Path
) -> None:
    config = MONTH
    a_month(month_template, tmp_path)
    day = sorted((tmp_path / "history").glob("hours-*.json"))[-2]
    data = day.read_bytes()
    day.write_bytes(data[: len(data) // 2])
    again = History(tmp_path, read_only=False, window=config.slo_window)
    assert any("moved aside" in note for note in again.notes)
    aside = list(day.parent.glob(f"{day.name}.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == data[: len(data) // 2]
    window = again.counts("good/availability", NOW - timedelta(days=30))
    assert 0 < window.total < 30 * 24 * 60  # that day's hours are missing, the rest stands


def test_writes_stay_small_whatever_the_history(month_template: Path, tmp_path: Path) -> None:
    """A round appends a line; a fold rewrites one day file: neither grows with the window."""
    config = MONTH
    history = a_month(month_template, tmp_path)
    folder = tmp_path / "history"
    before = {path: path.stat().st_mtime_ns for path in folder.glob("hours-*.json")}
    journal = history.journal_path(int(NOW.timestamp()))
    size = journal.stat().st_size if journal.exists() else 0
    history.add([ProbeResult("good", "http", True, 100.0, "200 OK", NOW)], config)
    history.save(NOW)
    assert journal.stat().st_size > size  # appended to
    assert {path: path.stat().st_mtime_ns for path in folder.glob("hours-*.json")} == before
    later = NOW + timedelta(hours=1)
    history.add([ProbeResult("good", "http", True, 100.0, "200 OK", later)], config)
    history.save(later)  # folds 08:00 into today's day file only
    changed = [p.name for p in folder.glob("hours-*.json") if p.stat().st_mtime_ns != before.get(p)]
    assert changed == ["hours-2026-11-24.json"]


def test_freeze_file_keeps_since_and_lifts(month_template: Path, tmp_path: Path) -> None:
    config = MONTH
    history = a_month(month_template, tmp_path)
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


def test_loopback_fleet_spends_budgets_but_too_few_probes_freeze_nothing(root: Path) -> None:
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
        data = run_status(root, "--probe")
        first = subprocess.run(
            [sys.executable, "-m", "tui", "check", "--state", str(root)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        for _ in range(2):
            data = run_status(root, "--probe")
    slos = {(s["site"], s["name"]): s for s in data["slos"]}  # type: ignore[union-attr]
    # Three rounds are too few to judge a budget: spent on paper, but no freeze, and check
    # still names the site that fails now.
    assert slos[("down", "availability")]["budget_remaining"] <= 0
    assert slos[("down", "availability")]["judged"] is False
    assert slos[("down", "availability")]["frozen"] is False
    assert slos[("healthy", "availability")]["budget_remaining"] == 1.0
    assert slos[("healthy", "latency")]["budget_remaining"] == 1.0
    assert slos[("cert-soon", "tls_expiry")]["budget_remaining"] <= 0
    assert slos[("cert-soon", "cert_validity")]["budget_remaining"] == 1.0
    assert slos[("cert-soon", "availability")]["budget_remaining"] == 1.0
    assert data["freeze"] is False
    assert json.loads((root / ".room" / "freeze.json").read_text())["freeze"] is False
    check = subprocess.run(
        [sys.executable, "-m", "tui", "check", "--state", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 1 and "deploy freeze" not in check.stdout
    assert "open incident: INC-" in check.stdout  # three failing rounds open one
    # After the first failing round, before any incident, check already names the site.
    assert first.returncode == 1
    assert any(
        line.startswith("failing now: down http since ") and "503" in line
        for line in first.stdout.splitlines()
    ), first.stdout
    # A second reader while a room holds the lock: the same figures, and it does not write.
    lock = WriterLock(root / ".room")
    assert lock.acquire()
    try:
        history = root / ".room" / "history"
        before = {p.name: p.read_bytes() for p in history.iterdir()}
        reader = run_status(root)
        assert {(s["site"], s["name"]): s["budget_remaining"] for s in reader["slos"]} == {  # type: ignore[union-attr]
            key: value["budget_remaining"] for key, value in slos.items()
        }
        assert {p.name: p.read_bytes() for p in history.iterdir()} == before
    finally:
        lock.release()
    assert load_config(root).freeze_below == 0.2


@given(st.lists(st.tuples(st.integers(0, 3 * 24 * 60), st.booleans()), max_size=60))
def test_history_files_round_trip(probes: list[tuple[int, bool]]) -> None:
    """Whatever rounds were saved, and folded, reading the files again gives the same counts."""
    import tempfile

    config = Config(slo_window=timedelta(days=30))
    start = NOW - timedelta(days=3)
    with tempfile.TemporaryDirectory() as tmp:
        history = History(Path(tmp), read_only=False)
        for minute, ok in sorted(probes):
            at = start + timedelta(minutes=minute)
            history.add([ProbeResult("a", "http", ok, 10.0, "", at)], config)
            history.save(at)
        reread = History(Path(tmp), read_only=True)
        key = key_of("a", "availability")
        assert reread.hours.get(key, {}) == history.hours.get(key, {})
        assert reread.minutes.get(key, {}) == history.minutes.get(key, {})
        whole = reread.counts(key, start - timedelta(hours=1))
        assert whole == Counts(sum(ok for _, ok in probes), len(probes))


@given(
    st.lists(st.tuples(st.integers(0, 4 * 24 * 60), st.booleans()), max_size=80),
    st.integers(-3 * 60, 3 * 60),
)
def test_periods_in_one_pass_match_counting_each_window(
    probes: list[tuple[int, bool]], offset: int
) -> None:
    """`periods` walks the buckets once; it must agree with `counts` window by window."""
    import tempfile

    from tui.ops.slo import BURN_WINDOWS

    config = Config(slo_window=timedelta(days=3))
    start = NOW - timedelta(days=4)
    with tempfile.TemporaryDirectory() as tmp:
        history = History(Path(tmp), read_only=False, window=config.slo_window)
        for minute, ok in sorted(probes):
            at = start + timedelta(minutes=minute)
            history.add([ProbeResult("a", "http", ok, 10.0, "", at)], config)
            history.save(at)
        key, now = key_of("a", "availability"), NOW + timedelta(minutes=offset)
        expected = {label: history.counts(key, now - span) for label, span in BURN_WINDOWS.items()}
        expected["window"] = history.counts(key, now - history.window)
        assert history.periods(key, now) == expected


def test_a_fold_that_cannot_write_keeps_the_journal_and_tries_again(tmp_path: Path) -> None:
    config = Config(slo_window=timedelta(days=30))
    history = History(tmp_path, read_only=False)
    early = NOW - timedelta(hours=2)  # 08:00: folded once the clock passes 10:00
    for minute in range(3):
        at = early + timedelta(minutes=minute)
        history.add([ProbeResult("a", "http", minute != 1, 10.0, "", at)], config)
        history.save(at)
    journal = history.journal_path(int(early.timestamp()))
    day = history.day_path(int(early.timestamp()) // 86400 * 86400)
    day.mkdir()  # the day file cannot be written where a folder stands
    with pytest.raises(OSError):
        history.save(NOW + timedelta(minutes=1))
    assert journal.exists()  # nothing lost on disk
    day.rmdir()
    history.save(
        NOW + timedelta(minutes=2)
    )  # the next round writes the day and lets the journal go
    assert day.is_file() and not journal.exists()
    again = History(tmp_path, read_only=True)
    assert again.counts(key_of("a", "availability"), early) == Counts(2, 3)


def test_history_in_the_earlier_layout_is_moved_over(tmp_path: Path) -> None:
    """Two whole files beside `history/` (hour and minute documents): their counts carry over."""
    hour = int((NOW - timedelta(hours=3)).timestamp()) // 3600 * 3600
    minute = int(NOW.timestamp()) - 600
    hours = {"_default": {"1": {"key": "a/availability", "t": [hour], "g": [50], "n": [60]}}}
    minutes = {"_default": {"1": {"key": "a/availability", "t": [minute], "g": [0], "n": [1]}}}
    (tmp_path / "history-hours.json").write_text(json.dumps(hours))
    (tmp_path / "history-minutes.json").write_text(json.dumps(minutes))
    History(tmp_path, read_only=True)  # a reader leaves them alone
    assert (tmp_path / "history-hours.json").exists()
    writer = History(tmp_path, read_only=False)
    assert any("moved to .room/history/" in note for note in writer.notes)
    assert (tmp_path / "history-hours.json.migrated").exists()
    assert not (tmp_path / "history-minutes.json").exists()
    again = History(tmp_path, read_only=True)
    assert again.counts(key_of("a", "availability"), NOW - timedelta(days=1)) == Counts(50, 61)


def test_one_blip_on_a_new_site_is_no_burn_and_no_freeze_but_an_outage_is() -> None:
    from tui.base.config import Config, Site
    from tui.ops.slo import BURN_WINDOWS, evaluate

    config = Config(sites=(Site("shop", "http://shop.example/"),))
    keys = [("shop", "availability")]

    def status(good: int, total: int) -> Any:
        periods = {label: Counts(good, total) for label in (*BURN_WINDOWS, "window")}
        [found] = evaluate(keys, {("shop", "availability"): periods}, config)
        return found

    blip = status(74, 75)  # one failed probe among a new site's first 75: a 2.7× burn on paper
    assert blip.burn["1h"] is not None and blip.burn["1h"] > 2
    assert blip.alerts == () and not blip.frozen
    outage = status(70, 80)  # ten failed in a row
    assert outage.alerts and outage.frozen
