"""Incidents against a loopback site that goes down and comes back, with an injected clock."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.helpers import NOW, acknowledged_burn, write_config
from tests.servers import QuietServer
from tui.base.clock import ManualClock
from tui.base.config import Config, Site
from tui.base.config_reading import load_config
from tui.bus.scanner import Scanner
from tui.bus.tickets import Ticket
from tui.ops.budgets import report
from tui.ops.checks import Cause, ProbeResult
from tui.ops.history import History
from tui.ops.incidents import IncidentBook, causes
from tui.ops.kb import load_kb
from tui.ops.postmortem import write_postmortem
from tui.ops.rounds import run_round


@contextmanager
def switchable_site() -> Iterator[tuple[int, dict[str, bool]]]:
    state = {"down": False}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            status = 503 if state["down"] else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = QuietServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], state
    finally:
        server.shutdown()
        server.server_close()


def test_down_escalate_acknowledge_recover_postmortem_and_learn(root: Path) -> None:
    (root / "kb").mkdir()
    (root / "kb" / "proxy.md").write_text(
        "---\nid: KB-proxy\ncheck: http\nmatch: 503\ncause: reverse proxy lost the upstream\n"
        "fix: restart the proxy, curl the site from outside\nconfidence: 0.5\n---\n"
    )
    folder = root / ".room"
    clock = ManualClock(NOW)
    with switchable_site() as (port, site):
        config = Config(
            sites=(Site("bakery", f"http://127.0.0.1:{port}/", timeout=timedelta(seconds=3)),),
            probe_interval=timedelta(seconds=30),
            open_after=3,
            recover_after=2,
        )
        history = History(folder, read_only=False)
        book = IncidentBook(folder, read_only=False)
        kb, broken = load_kb(root)
        assert broken == []

        def round_() -> list:
            results = run_round(root, config, clock)
            history.add(results, config)
            history.save(clock())
            changed = book.observe(results, report(history, config, clock()), config, clock(), kb)
            book.save()
            return changed

        round_()
        site["down"] = True
        first_bad = clock.now + timedelta(seconds=30)
        for _ in range(2):
            clock.advance(timedelta(seconds=30))
            assert round_() == []
        clock.advance(timedelta(seconds=30))
        [incident] = round_()
        assert (incident.state, incident.site, incident.cause, incident.slo) == (
            "triggered",
            "bakery",
            "http",
            "availability",
        )
        assert incident.first_bad_at == first_bad.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert incident.kb_matches == ["KB-proxy"]
        opened = clock.now
        # The ladder: 60 s, 5 min, then every 15 min, without cap.
        tiers = []
        for seconds in (59, 60, 299, 300, 1199, 1200, 2100, 3000):
            clock.now = opened + timedelta(seconds=seconds)
            tiers.append([i.tier for i in book.escalations(clock.now)])
        assert tiers == [[], [1], [], [2], [], [3], [4], [5]]
        acknowledged_at = opened + timedelta(minutes=51)
        clock.now = acknowledged_at
        book.acknowledge(incident, "andrea", "applied KB entry KB-proxy", clock.now)
        assert incident.state == "acknowledged" and incident.kb_applied == "KB-proxy"
        assert (
            book.escalations(clock.now + timedelta(hours=1)) == []
        )  # acknowledged: the ladder stops
        site["down"] = False
        clock.advance(timedelta(minutes=5))
        assert round_() == []  # one good round is not a recovery yet
        clock.advance(timedelta(seconds=30))
        [closed] = round_()
    assert closed is incident and incident.state == "resolved"
    assert incident.resolution == "recovered on its own"
    assert incident.mtti() == acknowledged_at - first_bad
    assert incident.mttr() == clock.now - first_bad
    assert write_postmortem(root, incident, clock.now) is None
    ticket_path = root / incident.postmortem  # type: ignore[operator]
    text = ticket_path.read_text()
    assert (
        "MTTI (first bad probe → acknowledged): 52m" in text and "KB entry used: KB-proxy" in text
    )
    bus = Scanner(root).scan()
    [ticket] = [t for t in bus.tickets if t.path == incident.postmortem]
    assert (
        isinstance(ticket, Ticket)
        and ticket.role == "architect"
        and ticket.subject.startswith("Post-mortem:")
    )
    book.learn(incident, kb)
    assert "confidence: 0.6" in (root / "kb" / "proxy.md").read_text()
    # A second post-mortem for the same incident never overwrites the first.
    write_postmortem(root, incident, clock.now)
    assert len(list((root / "tickets" / "to_architect").glob("PM-*.md"))) == 2
    again = IncidentBook(folder, read_only=True)
    assert [i.state for i in again.incidents] == ["resolved"]


def test_one_incident_per_site_and_cause() -> None:
    results = [
        ProbeResult("a", "dns", False, None, "NXDOMAIN: a.test does not exist", NOW),
        ProbeResult("a", "http", False, None, "host name does not resolve", NOW),
        ProbeResult(
            "a",
            "tls",
            False,
            None,
            "no TLS session: host name does not resolve",
            NOW,
            cause=Cause.NO_SESSION,
        ),
        ProbeResult("b", "http", False, None, "connection refused", NOW),
        ProbeResult(
            "b",
            "tls",
            False,
            None,
            "no TLS session: connection refused",
            NOW,
            cause=Cause.NO_SESSION,
        ),
        ProbeResult("c", "http", True, 10.0, "200 OK", NOW),
        ProbeResult(
            "c", "tls", False, None, "certificate expires in 3 days", NOW, {"days_left": 3.0}
        ),
        ProbeResult(None, "backup", False, None, "newest backup is 2d00h old", NOW),
    ]
    assert sorted(causes(results), key=str) == sorted(
        [("a", "dns"), ("b", "http"), ("c", "tls"), (None, "backup")], key=str
    )


def test_postmortem_kept_when_the_inbox_cannot_be_written(root: Path) -> None:
    (root / "tickets" / "to_architect").write_text("a file where the inbox should be")
    book = IncidentBook(root / ".room", read_only=False)
    config = Config(sites=(Site("x", "http://x.test/"),), open_after=1, recover_after=1)
    result = ProbeResult("x", "http", False, None, "connection refused", NOW)
    empty = report(History(root / ".room", read_only=False), config, NOW)
    [incident] = book.observe([result], empty, config, NOW)
    book.resolve(incident, NOW + timedelta(minutes=3), "resolved by hand: restarted")
    problem = write_postmortem(root, incident, NOW + timedelta(minutes=3))
    assert problem is not None and "keeps it" in problem
    assert incident.postmortem_pending and "Post-mortem" in incident.postmortem_pending
    book.save()
    kept = IncidentBook(root / ".room", read_only=True).incidents[0]
    assert kept.postmortem_pending == incident.postmortem_pending  # nothing is lost


def test_broken_kb_entries_are_listed_with_a_reason(root: Path) -> None:
    (root / "kb").mkdir()
    (root / "kb" / "no-header.md").write_text("just notes\n")
    (root / "kb" / "bad-check.md").write_text("---\ncheck: ping\nfix: x\n---\n")
    (root / "kb" / "good.md").write_text(
        "---\ncheck: dns\nmatch: NXDOMAIN\nfix: fix the zone\n---\n"
    )
    entries, broken = load_kb(root)
    assert [e.id for e in entries] == ["good"]
    reasons = {b.path: b.reason for b in broken}
    assert reasons["kb/no-header.md"].startswith("no front matter")
    assert "'check' must be one of" in reasons["kb/bad-check.md"]


def test_status_probe_opens_incidents_and_check_names_them(root: Path) -> None:
    with switchable_site() as (port, site):
        site["down"] = True
        write_config(root, incidents={"open_after": 2}, sites={"shop": f"http://127.0.0.1:{port}/"})
        assert load_config(root).open_after == 2
        for _ in range(2):
            run = subprocess.run(
                [sys.executable, "-m", "tui", "status", "--json", "--probe", "--state", str(root)],
                capture_output=True,
                text=True,
                timeout=60,
            )
    data = json.loads(run.stdout)
    [incident] = data["incidents"]
    assert (
        incident["state"] == "triggered"
        and incident["site"] == "shop"
        and incident["slo"] == "availability"
    )
    check = subprocess.run(
        [sys.executable, "-m", "tui", "check", "--state", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 1
    assert f"open incident: {incident['id']} (triggered) shop availability" in check.stdout


def test_an_incident_that_reopens_within_the_minute_gets_its_own_id(root: Path) -> None:
    book = IncidentBook(root / ".room", read_only=False)
    config = Config(sites=(Site("x", "http://x.test/"),), open_after=1, recover_after=1)
    bad = ProbeResult("x", "http", False, None, "connection refused", NOW)
    empty = report(History(root / ".room", read_only=False), config, NOW)
    [first] = book.observe([bad], empty, config, NOW)
    book.resolve(first, NOW, "resolved by hand: tried")
    [second] = book.observe([bad], empty, config, NOW + timedelta(seconds=20))
    assert second.id != first.id and second.id.startswith(first.id)


def test_one_bad_certificate_is_one_incident_filed_under_cert_validity() -> None:
    from tui.ops.incidents import causes, slo_of

    reason = "certificate verify failed: Hostname mismatch, certificate is not valid for 'x'"
    results = [
        ProbeResult("shop", "http", False, None, reason, NOW, cause=Cause.CERTIFICATE),
        ProbeResult("shop", "tls", False, None, reason, NOW, cause=Cause.CERTIFICATE),
    ]
    found = causes(results)
    assert list(found) == [("shop", "tls")]
    assert slo_of("tls", found[("shop", "tls")]) == "cert_validity"


def test_a_new_outage_under_an_open_burn_incident_is_announced(tmp_path: Path) -> None:
    from tui.base.config import Config, Site
    from tui.ops.budgets import BudgetReport
    from tui.ops.incidents import IncidentBook

    config = Config(sites=(Site("shop", "http://shop.example/"),), open_after=3)
    book = IncidentBook(tmp_path, read_only=False)
    burn = acknowledged_burn()
    book.incidents.append(burn)
    empty = BudgetReport((), False, None, None)
    changed = []
    for minute in range(3):
        down = ProbeResult("shop", "http", False, None, "503", NOW + timedelta(minutes=minute))
        changed += book.observe([down], empty, config, NOW + timedelta(minutes=minute))
    assert changed == [burn] and burn.state == "triggered" and burn.tier == 0
    assert "http failing again for 3 rounds: 503" in burn.timeline[-1][1]
    assert [i.id for i in book.incidents if i.open] == ["INC-burn"]  # one incident, announced


def test_a_refire_climbs_its_own_ladder_and_pages_under_its_own_keys(tmp_path: Path) -> None:
    from tui.base.config import Config, Site
    from tui.ops.budgets import BudgetReport
    from tui.ops.incident_record import incident_from
    from tui.ops.incidents import IncidentBook

    config = Config(sites=(Site("shop", "http://shop.example/"),), open_after=1)
    book = IncidentBook(tmp_path, read_only=False)
    burn = acknowledged_burn()
    book.incidents.append(burn)
    empty = BudgetReport((), False, None, None)
    book.observe([ProbeResult("shop", "http", False, None, "503", NOW)], empty, config, NOW)
    assert burn.episode == 2 and burn.state == "triggered"
    assert book.escalations(NOW + timedelta(seconds=30)) == []  # its ladder starts at the refire
    assert book.escalations(NOW + timedelta(seconds=61)) == [burn] and burn.tier == 1
    book.save()
    [again] = [i for i in IncidentBook(tmp_path, read_only=True).incidents if i.id == "INC-burn"]
    assert again.episode == 2 and again.fired_at == burn.fired_at
    assert incident_from({"kind": "incident", **{**again.__dict__, "episode": 0}}) is None
