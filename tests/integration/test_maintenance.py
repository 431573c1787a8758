"""Maintenance windows (SPEC section 7): a site down in a window spends no budget, opens and
pages nothing, and opens an incident at once when the window ends with it still down; a ticket's
window ends when the ticket is archived or answered done; weekly slots follow daylight saving."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers import NOW, run_cli, write_ticket
from tests.servers import Switch, switch_server
from tui.base.clock import ManualClock
from tui.base.config import ConfigError
from tui.base.config_reading import load_config
from tui.bus.scanner import Scanner
from tui.ops import maintenance
from tui.ops.engine import Operations
from tui.ops.metrics import Metrics
from tui.view.budgets import budget_detail


def config_text(port: int, extra: str = "") -> str:
    return f"""
[incidents]
open_after = 2
recover_after = 2

[[sites]]
name = "shop"
url = "http://127.0.0.1:{port}/"
timeout = "3s"

[[sites]]
name = "other"
url = "http://127.0.0.1:{port}/"
timeout = "3s"
{extra}"""


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_site_down_in_a_window_spends_nothing_opens_nothing_then_opens_at_once(
    root: Path,
) -> None:
    clock = ManualClock(NOW)
    switch = Switch()  # down (503) from the start
    with switch_server(switch) as port:
        window = f"""
[[maintenance]]
sites = ["shop"]
start = "{stamp(NOW - timedelta(minutes=1))}"
duration = "10m"
reason = "kernel update"
"""
        (root / "sisyphus.toml").write_text(config_text(port, window))
        config = load_config(root)
        ops = Operations(root, config, writer=True, now=clock())
        tickets = Scanner(root).scan().tickets
        opened = []
        for _ in range(4):  # 4 failing rounds inside the window, a minute apart
            outcome = ops.round(clock, tickets=tickets, now=clock())
            opened += [i.site for i in outcome.opened]
            clock.advance(timedelta(minutes=1))
        # `other` (no window) opened after 2 rounds; `shop` in its window opened nothing.
        assert opened == ["other"]
        assert ops.quiet(clock()) == frozenset({"shop"})
        metrics = Metrics(config, "test")
        metrics.set_view(ops.view(clock()))
        exposed = metrics.exposition(None)[0].decode()
        assert 'sisyphus_maintenance{site="shop"} 1.0' in exposed
        assert 'sisyphus_maintenance{site="other"} 0.0' in exposed
        # Nothing pages for it: only `other`'s incident reaches a rung.
        due = ops.due_escalations(clock() + timedelta(minutes=2))
        assert [i.site for i in due] == ["other"]
        statuses = {(s.site, s.name): s for s in ops.budget.statuses}
        assert statuses[("shop", "availability")].window.bad == 0  # nothing spent
        assert statuses[("other", "availability")].window.bad == 4
        assert ops.apart_bad(statuses[("shop", "availability")], clock()) == 4  # kept apart
        shop = [s for s in ops.budget.statuses if s.site == "shop"]
        apart = {s.name: ops.apart_bad(s, clock()) for s in shop}
        detail = "".join(t for t, _ in budget_detail("shop", shop, {}, None, apart))
        assert "4 bad events in maintenance, not counted" in detail
        data = json.loads(run_cli(root, "status", "--json", "--now", stamp(clock())).stdout)
        [shown] = data["maintenance"]
        assert shown["sites"] == ["shop"] and shown["active"] and shown["source"] == "config"
        assert shown["reason"] == "kernel update"
        marked = {p["site"]: p["maintenance"] for p in data["probes"] if p["check"] == "http"}
        assert marked == {"shop": True, "other": False}
        check = run_cli(root, "check", "--now", stamp(clock())).stdout
        assert "maintenance ends in 5m (config) with shop still failing" in check
        assert "failing now: shop" not in check  # planned: not a reason by itself
        # The window ends with the site still down: the incident opens at the first round after.
        clock.advance(timedelta(minutes=6))
        outcome = ops.round(clock, tickets=tickets, now=clock())
        assert [i.site for i in outcome.opened] == ["shop"]
        ops.close()


def test_a_tickets_window_ends_when_it_is_answered_done_or_archived(root: Path) -> None:
    write_ticket(
        root,
        "operator",
        "T-0150",
        id="T-0150",
        sender="pm-shop",
        subject="Migrate the shop's DNS",
        deliverable="d",
        created=stamp(NOW - timedelta(minutes=20)),
        body="Body.\n",
        **{
            "maintenance": "\n  sites: [shop]\n"
            f"  from: {stamp(NOW - timedelta(minutes=10))}\n"
            f"  until: {stamp(NOW + timedelta(minutes=20))}"
        },
    )
    (root / "sisyphus.toml").write_text(config_text(9))
    config = load_config(root)
    tickets = Scanner(root).scan().tickets
    [window] = maintenance.windows(config, tickets, NOW)
    assert window.source == "T-0150" and window.covers("shop", NOW)
    assert not window.covers("other", NOW) and not window.covers(None, NOW)
    assert window.words() == "shop until 10:20Z (T-0150)"
    # Answered done five minutes ago: over since then.
    write_ticket(
        root,
        "pm-shop",
        "R-1",
        id="R-1",
        sender="operator",
        in_reply_to="T-0150",
        status="done",
        created=stamp(NOW - timedelta(minutes=5)),
    )
    [answered] = maintenance.windows(config, Scanner(root).scan().tickets, NOW)
    assert answered.end == NOW - timedelta(minutes=5) and not answered.active(NOW)
    # Archived: no window at all.
    archive = root / "tickets" / "archive"
    (root / "tickets" / "to_operator" / "T-0150.md").rename(archive / "T-0150.md")
    assert maintenance.windows(config, Scanner(root).scan().tickets, NOW) == []


def test_a_weekly_slot_follows_daylight_saving_in_its_zone(root: Path) -> None:
    (root / "sisyphus.toml").write_text(
        config_text(9)
        + """
[[maintenance]]
sites = ["*"]
every = ["sun"]
at = "04:00"
timezone = "Europe/Rome"
duration = "30m"
"""
    )
    config = load_config(root)
    # Europe/Rome leaves summer time on Sunday 2026-10-25: 04:00 local is 02:00Z before, 03:00Z
    # after.
    now = datetime(2026, 10, 21, 12, 0, tzinfo=UTC)
    starts = [w.start for w in maintenance.windows(config, (), now)]
    assert datetime(2026, 10, 18, 2, 0, tzinfo=UTC) in starts
    assert datetime(2026, 10, 25, 3, 0, tzinfo=UTC) in starts
    sunday = datetime(2026, 10, 25, 3, 10, tzinfo=UTC)
    found = maintenance.windows(config, (), sunday)
    assert maintenance.covering(found, "shop", sunday) is not None
    assert maintenance.covering(found, "shop", sunday - timedelta(minutes=20)) is None


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('sites = ["nope"]\nstart = "2026-12-05T02:00:00Z"\nduration = "30m"', "sites"),
        ('sites = ["shop"]\nduration = "30m"', "start"),
        ('sites = ["shop"]\nstart = "soon"\nduration = "30m"', "start"),
        ('sites = ["shop"]\nstart = "2026-12-05T02:00:00Z"', "duration"),
        ('sites = ["shop"]\nevery = ["someday"]\nat = "02:00"\nduration = "1h"', "every"),
        ('sites = ["shop"]\nevery = ["sun"]\nat = "25:00"\nduration = "1h"', "at"),
        (
            'sites = ["shop"]\nevery = ["sun"]\nat = "02:00"\nduration = "1h"\ntimezone = "Mars/Olympus"',
            "timezone",
        ),
    ],
)
def test_a_bad_window_names_its_key(root: Path, table: str, key: str) -> None:
    (root / "sisyphus.toml").write_text(config_text(9, "\n[[maintenance]]\n" + table + "\n"))
    with pytest.raises(ConfigError, match=rf"key 'maintenance\[0\]\.{key}'"):
        load_config(root)


def test_a_silence_stops_the_pages_until_it_ends_and_is_listed(root: Path) -> None:
    from tests.helpers import acknowledged_burn

    (root / "sisyphus.toml").write_text(config_text(9))
    (root / ".room").mkdir()
    config = load_config(root)
    ops = Operations(root, config, writer=True, now=NOW)
    incident = acknowledged_burn("shop", stamp(NOW - timedelta(minutes=10)))
    incident.state, incident.tier = "triggered", 1  # firing, its first rung announced
    ops.book.incidents.append(incident)
    ops.save_book()
    now = stamp(datetime.now(UTC))
    refused = run_cli(root, "silence", incident.id, "--for", "soon", "--note", "x")
    assert refused.returncode == 2 and "--for" in refused.stdout
    empty = run_cli(root, "silence", incident.id, "--for", "30m", "--note", " ")
    assert empty.returncode == 2 and "empty note" in empty.stdout
    done = run_cli(root, "silence", incident.id, "--for", "30m", "--note", "deploy", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["ok"] is True
    data = json.loads(run_cli(root, "status", "--json", "--now", now).stdout)
    [silence] = data["silences"]
    assert silence["incident"] == incident.id and silence["note"] == "deploy"
    [shown] = [i for i in data["incidents"] if i["id"] == incident.id]
    assert shown["state"] == "triggered"  # still open and counted
    # The ladder: nothing during the silence, the next rung once it has ended.
    ops = Operations(root, config, writer=True, now=NOW)
    until = datetime.fromisoformat(silence["until"].replace("Z", "+00:00"))
    assert ops.due_escalations(until - timedelta(minutes=1)) == ()
    assert [i.id for i in ops.due_escalations(until + timedelta(seconds=1))] == [incident.id]
    actions = [json.loads(line) for line in (root / ".room" / "actions.jsonl").open()]
    assert actions[-1]["action"] == "silence" and actions[-1]["until"] == silence["until"]


def test_the_watcher_logs_a_window_and_opens_at_its_end(root: Path) -> None:
    from tests.integration.test_headless import configure, watching

    with switch_server(Switch()) as port:  # 503 throughout
        configure(root, {"shop": port})
        start = stamp(datetime.now(UTC) - timedelta(minutes=1))
        with (root / "sisyphus.toml").open("a") as out:
            out.write(f'[[maintenance]]\nsites = ["shop"]\nstart = "{start}"\nduration = "20m"\n')
        with watching(root) as watch:  # 300× time: the window's 19 minutes left last ~4 s
            started = watch.wait_for("maintenance started")
            assert started["window"].startswith("shop until ")
            warned = watch.wait_for("maintenance ending, site failing", timeout=30)
            assert warned["failing"] == "shop"
            ended = watch.wait_for("maintenance ended", timeout=30)
            opened = watch.wait_for("incident opened", timeout=30, site="shop")
            assert opened["at"] >= ended["at"]  # nothing opened inside the window
            assert watch.stop() < 2.0


def test_a_tickets_window_that_cannot_be_read_is_said_and_opens_nothing(root: Path) -> None:
    bad = {
        "T-1": "\n  sites: [shop]\n  from: soon",
        "T-2": "\n  sites: []\n  from: 2026-11-24T10:00:00Z\n  until: 2026-11-24T11:00:00Z",
        "T-3": "\n  sites: [shop]\n  from: 2026-11-24T11:00:00Z\n  until: 2026-11-24T10:00:00Z",
        "T-4": " tonight",
    }
    for name, value in bad.items():
        write_ticket(root, "operator", name, id=name, sender="pm-shop", deliverable="d",
                     maintenance=value)  # fmt: skip
    (root / "sisyphus.toml").write_text(config_text(9))
    tickets = Scanner(root).scan().tickets
    said = {t.id: [w for w in t.warnings if w.startswith("maintenance ignored")] for t in tickets}
    assert said == {
        "T-1": ["maintenance ignored: 'from' and 'until' must be ISO 8601 date-times"],
        "T-2": ["maintenance ignored: 'sites' must name one site or more"],
        "T-3": ["maintenance ignored: 'until' must come after 'from'"],
        "T-4": ["maintenance ignored: expected sites, from and until under it"],
    }
    assert maintenance.windows(load_config(root), tickets, NOW) == []
