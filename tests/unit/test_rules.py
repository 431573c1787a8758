"""The room's rules without a screen: the stale ladder, scan scheduling, the text it composes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from tests.helpers import NOW
from tui.bus import scanning
from tui.bus.scanner import BusSnapshot, Scanner
from tui.bus.scanning import ScanSchedule
from tui.bus.stale import StaleWatch
from tui.bus.tickets import Ticket
from tui.ops.budgets import BudgetReport
from tui.ops.slo import Counts, SloStatus
from tui.view.header import HeaderView, announcements, freeze_banner, header_pieces

HOUR = timedelta(hours=1)


def clarification(ticket_id: str, created_ago: timedelta) -> Ticket:
    return Ticket(
        id=ticket_id,
        role="operator",
        path=f"tickets/to_operator/{ticket_id}.md",
        sender="architect",
        to="operator",
        priority="P1",
        status="needs_clarification",
        subject=f"Question {ticket_id}",
        deliverable="an answer",
        created=NOW - created_ago,
    )


def test_stale_ladder_turns_stale_then_5_minutes_then_every_15() -> None:
    watch = StaleWatch(HOUR)
    ticket = clarification("T-1", timedelta(minutes=50))
    due, wake = watch.step([ticket], set(), NOW)
    assert due == [] and wake == NOW + timedelta(minutes=10)  # when it turns stale
    moments = [10, 11, 14, 15, 29, 30, 44, 45]  # stale once its age is *over* an hour
    announced = []
    for minutes in moments:
        due, wake = watch.step([ticket], set(), NOW + timedelta(minutes=minutes))
        if due:
            announced.append(minutes)
    assert announced == [11, 15, 30, 45]
    assert wake == NOW + timedelta(minutes=60)  # the next reminder


def test_an_acknowledged_or_answered_ticket_is_not_announced_again() -> None:
    watch = StaleWatch(HOUR)
    ticket = clarification("T-1", timedelta(hours=2))
    assert watch.step([ticket], set(), NOW)[0] == [ticket]
    assert watch.step([ticket], {"T-1"}, NOW + timedelta(minutes=5)) == ([], None)
    assert watch.step([], set(), NOW + timedelta(minutes=20)) == ([], None)


def test_more_than_three_stale_tickets_are_one_announcement() -> None:
    from tui.ops.happenings import StaleRaised

    raised = [StaleRaised(NOW, clarification(f"T-{n}", 2 * HOUR), 1) for n in range(5)]
    [one] = announcements(raised, HOUR)
    assert one.text.startswith("5 clarifications have waited over 1h00m: T-0, T-1") and one.bell
    three = announcements(raised[:3], HOUR)
    assert [a.title for a in three] == ["Stale clarification"] * 3
    assert "T-0 from architect to operator has waited 2h00m for an answer" in three[0].text


class HeldScanner(Scanner):
    """A real scanner whose scans wait until released, to catch the schedule mid-scan."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.started, self.release = threading.Semaphore(0), threading.Event()
        self.archives: list[bool] = []

    def scan(self, *, count_archive_too: bool = True, progress: object = None) -> BusSnapshot:
        self.archives.append(count_archive_too)
        self.started.release()
        self.release.wait(5)
        return super().scan(count_archive_too=count_archive_too)


def test_a_request_during_a_scan_arms_exactly_one_more(root: Path) -> None:
    scanner = HeldScanner(root)
    delivered: list[bool] = []
    all_done = threading.Event()

    def deliver(state: BusSnapshot, partial: bool) -> None:
        delivered.append(partial)
        if len(delivered) == 2:
            all_done.set()

    schedule = ScanSchedule(scanner, deliver)
    assert scanner.started.acquire(timeout=5)  # the first scan runs, and holds
    for _ in range(5):
        schedule.request()
    schedule.request(archive=True)
    scanner.release.set()
    assert all_done.wait(5)
    schedule.close()
    assert scanner.archives == [True, True]  # the first (archive counted), then one more
    assert delivered == [False, False]


def test_the_first_frame_takes_a_partial_view_while_the_scan_goes_on(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large state: the first frame gets what the first scan has read so far at once (not
    after a fixed wait), the scan pauses until it is painted, then the whole state follows."""
    monkeypatch.setattr(scanning, "FIRST_PAINT_WAIT", 0.0)
    release = threading.Event()

    class Large(Scanner):
        def scan(
            self,
            *,
            count_archive_too: bool = True,
            progress: Callable[[BusSnapshot], None] | None = None,
        ) -> BusSnapshot:
            if progress is not None:
                progress(BusSnapshot(self.root, ("operator",), (), (), 0, ()))
            release.wait(5)  # the rest of the inboxes
            return super().scan(count_archive_too=count_archive_too)

    delivered: list[bool] = []
    whole = threading.Event()

    def deliver(state: BusSnapshot, partial: bool) -> None:
        delivered.append(partial)
        if not partial:
            whole.set()

    schedule = ScanSchedule(Large(root), deliver)
    first = schedule.first(timeout=5)
    assert first is not None and first[1] is True and first[0].roles == ("operator",)
    assert not whole.is_set()  # handed over while the scan is still reading
    schedule.painted()
    release.set()
    assert whole.wait(5)
    schedule.close()
    assert delivered == [True, False]
    assert schedule.first(timeout=0) == first  # the first view stays the partial one


def test_a_scan_that_raises_keeps_the_last_state_and_says_so(root: Path) -> None:
    class Broken(Scanner):
        def scan(self, **kwargs: object) -> BusSnapshot:
            raise RecursionError("maximum recursion depth exceeded")

    states: list[BusSnapshot] = []
    done = threading.Event()
    schedule = ScanSchedule(Broken(root), lambda state, _: (states.append(state), done.set()))
    assert done.wait(5)
    schedule.close()
    assert states[0].problems == ("reading the tickets failed: maximum recursion depth exceeded",)


def test_header_keeps_every_signal_and_banner_names_the_freeze() -> None:
    view = HeaderView(
        "state",
        stale=2,
        acked=1,
        malformed=4,
        read_only="--read-only",
        demo=False,
        freeze=True,
        incidents=1,
        down=("memorial-b",),
    )
    text = "".join(part for part, _ in header_pieces(view))
    # The alarms are badges (a space either side, on the error colour), heaviest first: a site
    # down comes before stale tickets, from its first failing round.
    assert text == (
        "Sisyphus room ·  DEPLOY FREEZE  ·  1 open incident  ·  ✖ 1 site down: memorial-b  ·"
        "  ⚠ 2 stale (1 acked)  · 4 malformed · read-only (--read-only) · state"
    )
    assert dict(header_pieces(view))[" ✖ 1 site down: memorial-b "] == "alarm"

    def at(width: int) -> str:
        return "".join(part for part, _ in header_pieces(view, width))

    # Narrower: the place goes first, then the lightest signals shorten; none is dropped.
    assert at(140) == (
        "Sisyphus room ·  DEPLOY FREEZE  ·  1 open incident  ·  ✖ 1 site down: memorial-b  ·"
        "  ⚠ 2 stale (1 acked)  · 4 malformed · read-only"
    )
    assert (
        at(80) == "Sisyphus ·  FREEZE  ·  1 inc  ·  ✖1 down  ·  ⚠2 stale  · 4 malformed · read-only"
    )
    status = SloStatus("shop", "availability", 0.995, Counts(900, 1000), {}, True, ())
    budget = BudgetReport((status,), True, NOW, None)
    banner = "".join(part for part, _ in freeze_banner(budget, 0.2))
    assert banner == (
        "DEPLOY FREEZE · no lift in sight · shop/availability under 20% of budget"
        " · since 11-24 10:00Z · .room/freeze.json"
    )
    many = [
        SloStatus(f"site-{n}", "availability", 0.995, Counts(900, 1000), {}, True, ())
        for n in range(5)
    ]
    lifting = BudgetReport(tuple(many), True, NOW, NOW + timedelta(hours=30))

    def banner_at(width: int) -> str:
        return "".join(part for part, _ in freeze_banner(lifting, 0.2, width))

    for width in (78, 60, 40):  # when it lifts is said at every width, within it
        said = banner_at(width)
        assert said.startswith("DEPLOY FREEZE · lifts ~11-25 16:00Z") and len(said) <= width, said
    assert banner_at(100) == (
        "DEPLOY FREEZE · lifts ~11-25 16:00Z if probes pass · 5 budgets under 20% · since 11-24 10:00Z"
    )
    assert banner_at(78) == "DEPLOY FREEZE · lifts ~11-25 16:00Z if probes pass · 5 under 20%"
    assert freeze_banner(BudgetReport((), False, None, None), 0.2) == []


def test_a_filter_it_cannot_read_matches_nothing_and_says_why() -> None:
    from tui.bus.filter import matches, parse_filter

    ticket = clarification("T-1", HOUR)
    bogus = parse_filter("status:bogus")
    assert bogus.problems == ("unknown status 'bogus'",) and not matches(ticket, bogus)
    field = parse_filter("colour:red")
    assert field.problems == (
        "unknown field 'colour' (role, status, priority, from, persona, is, sort)",
    )
    assert not matches(ticket, field)
    url = parse_filter("https://x.example/")  # a URL is words, not a field
    assert not url.problems and url.words == ("https://x.example/",)
    assert matches(ticket, parse_filter("status:clarify role:operator"))


def test_announcements_made_together_become_one_toast() -> None:
    from tui.ops.happenings import Announcement
    from tui.view.header import merged

    opened = [
        Announcement(f"Incident opened: INC-{n}", f"site{n}: http — 503", "error") for n in range(5)
    ]
    closed = Announcement("Incident resolved", "INC-9 closed")
    [group, alone] = merged([*opened, closed])
    assert group.title == "Incident opened × 5"
    assert group.text == "INC-0, INC-1, INC-2, INC-3, INC-4" and group.severity == "error"
    assert alone is closed
    assert merged(opened[:2]) == opened[:2]


def test_deliveries_not_live_found_together_are_one_short_toast() -> None:
    from tui.ops.deliveries import Delivery
    from tui.ops.happenings import DeliveryNotLive

    def delivery(n: int) -> Delivery:
        return Delivery(
            f"T-{n}", "operator", f"tickets/to_architect/T-{n}.md", "http://shop.example/",
            200, None, "2026-11-24T08:00:00Z", ok=False, detail="503 Service Unavailable",
            failing_since="2026-11-24T09:00:00Z",
        )  # fmt: skip

    def due(*numbers: int) -> list[DeliveryNotLive]:
        return [DeliveryNotLive(NOW, delivery(n), 1) for n in numbers]

    [one] = announcements(due(1), HOUR)
    assert one.title == "Done, not live" and "T-1 marked done" in one.text and one.bell
    [three] = announcements(due(1, 2, 3), HOUR)
    assert three.text == "3 tickets marked done are not live: T-1, T-2, T-3. Press 6 for the list."
    assert three.bell and three.severity == "error"
    assert announcements([], HOUR) == []


def test_probe_cells_say_a_whole_word() -> None:
    from tui.ops.checks import ProbeResult
    from tui.view.probes import _cell

    def cell(check: str, detail: str, **extra: float) -> str:
        return _cell(ProbeResult("a", check, False, None, detail, NOW, dict(extra)), check).text

    assert cell("http", "host name does not resolve") == "✗ no host"
    assert cell("tls", "no TLS session: connection refused") == "✗ refused"
    assert cell("dns", "timed out after 1 s") == "✗ timeout"
    assert cell("dns", "NS {a} ≠ expected {b}") == "✗ differs"
    assert cell("tls", "certificate expires in 355411d", days_left=355411.0) == "✗ 999d+"
    assert cell("http", "ExtraordinarilyLongExceptionName: x") == "✗ failed"


def test_a_latency_trend_shows_slowdowns_not_jitter() -> None:
    from functools import partial

    from tui.view import probes

    sparkline = partial(probes.sparkline, floor=probes.TREND_FLOOR_MS)
    assert sparkline([0.8, 1.4, 0.6, 1.9, 1.1, 0.7, 1.6], 7) == "▁▁▁▁▁▁▁"  # next door, jittering
    assert sparkline([200, 196, 204, 202, 198, 200, 203], 7) == "▁▁▁▁▁▁▁"  # a few percent of 200
    assert sparkline([1.0, 1.2, 0.9, 12.0, 1.1], 5) == "▁▁▁▅▁"  # 1 ms to 12 ms is a slowdown
    assert sparkline([40, 41, 80, 160, None], 5) == "▁▁▃█ "  # doubling, and a failed probe
    assert sparkline([None, None], 5) == ""


def test_header_names_the_watcher_it_reads_and_says_when_it_fell_silent() -> None:
    from tui.view.header import watcher_piece

    watcher = {
        "pid": 4242,
        "host": "web-1",
        "since": "2026-11-24T08:00:00Z",
        "last_round_at": "2026-11-24T09:59:40Z",
        "probe_interval_s": 30.0,
    }
    piece = watcher_piece(watcher, NOW)
    assert piece == (
        "watched by pid 4242 on web-1 since 11-24 08:00, last round 09:59:40Z",
        "watched",
        "muted",
    )
    view = HeaderView("state", 0, 0, 0, None, False, watched=piece)
    text = "".join(part for part, _ in header_pieces(view))
    assert text.startswith("Sisyphus room · no stale clarifications · watched by pid 4242")
    silent = watcher_piece(watcher, NOW + timedelta(minutes=2))
    assert silent == (
        "nobody probing since 09:59:40Z: watcher silent",
        "nobody probing",
        "error",
    )
    ended = watcher_piece({**watcher, "ended": True}, NOW)  # stopped: said at once
    assert ended == (
        "nobody probing since 09:59:40Z: the watcher stopped",
        "nobody probing",
        "error",
    )
    alone = HeaderView("state", 0, 0, 0, None, False, unwatched=True)
    assert "unwatched: budgets count only while this room is open" in "".join(
        part for part, _ in header_pieces(alone)
    )


def test_header_counts_notifications_a_channel_gave_up_on() -> None:
    view = HeaderView("state", 0, 0, 0, None, False, channels_failing=2)
    pieces = header_pieces(view)
    assert ("2 notifications failed", "error") in pieces
    assert "no stale clarifications" not in "".join(part for part, _ in pieces)


def test_inbox_title_counts_responses_waiting_and_the_oldest(root: Path) -> None:
    from tests.helpers import stamp, write_ticket
    from tui.bus.scanner import Scanner
    from tui.view.inboxes import inboxes_title

    write_ticket(root, "architect", "A", id="A", sender="operator", created=stamp(50))
    assert inboxes_title(Scanner(root).scan(), NOW) == "Inboxes · 0 archived"
    write_ticket(root, "architect", "R1", id="R1", sender="x", in_reply_to="A", created=stamp(30))
    write_ticket(root, "operator", "R2", id="R2", sender="x", in_reply_to="B", created=stamp(190))
    assert inboxes_title(Scanner(root).scan(), NOW) == "Inboxes · 2↩ oldest 3h10m · 0 archived"


def test_the_budget_view_says_when_the_freeze_lifts() -> None:
    from tui.view.budgets import budget_detail

    frozen = SloStatus("shop", "availability", 0.995, Counts(900, 1000), {}, True, ())
    text = "".join(t for t, _ in budget_detail("shop", [frozen], {}, NOW + timedelta(hours=30)))
    assert "DEPLOY FREEZE: lifts ~11-25 16:00Z if probes pass (projected)" in text
    text = "".join(t for t, _ in budget_detail("shop", [frozen], {}, None))
    assert "no lift projected within the SLO window" in text


def test_the_filter_tells_responses_from_requests() -> None:
    from dataclasses import replace

    from tui.bus.filter import matches, parse_filter

    request = clarification("T-9", HOUR)
    response = replace(clarification("R-1", HOUR), in_reply_to="T-1", status="done")
    spec = parse_filter("is:response")
    assert matches(response, spec) and not matches(request, spec)
    spec = parse_filter("is:requests")
    assert matches(request, spec) and not matches(response, spec)
    assert parse_filter("is:pending").problems == ("unknown is 'pending' (response, request)",)


def test_rules_and_budgets_name_the_same_slos() -> None:
    """A site with verify_tls = false has no cert_validity SLO in the room: none in the rules
    or the metric series either (the two lists once disagreed)."""
    from pathlib import Path

    from tui.base.config_reading import parse_config
    from tui.ops.checks import slo_keys
    from tui.ops.rules import rules, slos_of

    config = parse_config(
        Path("sisyphus.toml"),
        {
            "sites": [
                {"name": "lax", "url": "https://lax.example/", "verify_tls": False},
                {"name": "strict", "url": "https://strict.example/", "dns_name": "strict.example"},
            ],
            "backups": {"path": "backups"},
        },
    )
    assert slos_of(config) == [(s or "platform", n) for s, n in slo_keys(config)]
    assert ("lax", "cert_validity") not in slos_of(config)
    assert ("strict", "cert_validity") in slos_of(config)
    text = str(rules(config))
    assert "lax-cert_validity" not in text and "strict-cert_validity" in text


def test_a_cause_is_recorded_and_read_back_and_old_records_get_one() -> None:
    from tui.ops.checks import Cause, ProbeResult, cause_of
    from tui.ops.probe_store import _result

    expired = ProbeResult(
        "a",
        "tls",
        False,
        None,
        "certificate verify failed: certificate has expired",
        NOW,
        cause=Cause.EXPIRED,
    )
    data = expired.to_json()
    assert data["cause"] == "expired" and _result(data) == expired
    assert "cause" not in ProbeResult("a", "http", True, 3.0, "200 OK", NOW).to_json()
    old = {k: v for k, v in data.items() if k != "cause"}  # written before causes were
    assert _result(old).cause is Cause.EXPIRED
    assert _result(data | {"cause": "melted"}) is None  # a damaged record is not believed
    assert cause_of("tls", False, "no TLS session: connection refused") is Cause.NO_SESSION
    assert cause_of("http", False, "503 Service Unavailable") is Cause.FAILED
    assert cause_of("http", True, "200 OK") is Cause.OK
    assert cause_of("tls", False, "certificate expires in 3d00h") is Cause.FAILED  # as probed now
    assert cause_of("tls", False, "certificate expired 2d00h ago") is Cause.EXPIRED


def test_every_check_in_the_registry_feeds_only_the_slos_it_names() -> None:
    from pathlib import Path

    from tui.base.config_reading import parse_config
    from tui.ops.checks import REGISTRY, ProbeResult, checks_for, slo_keys

    config = parse_config(
        Path("sisyphus.toml"),
        {
            "sites": [
                {"name": "a", "url": "https://a.test/", "dns_name": "a.test"},
                {"name": "b", "url": "https://b.test/", "verify_tls": False},
            ],
            "backups": {"path": "backups"},
            "containers": {"command": "true"},
        },
    )
    assert checks_for(config.sites[0], config) == ("http", "tls", "dns")
    assert checks_for(None, config) == ("backup", "containers")
    named = set(slo_keys(config))
    for site in [*config.sites, None]:
        for name in checks_for(site, config):
            for ok in (True, False):
                extra = {"days_left": 40.0} | (
                    {"verified": False} if site and not site.verify_tls else {}
                )  # what the probe reads of a certificate it does not judge
                result = ProbeResult(site and site.name, name, ok, 5.0, "x", NOW, extra)
                for slo, _ in REGISTRY[name].events(result, config):
                    assert (site and site.name, slo) in named, (name, slo)
    assert ("b", "cert_validity") not in named  # verify_tls = false: expiry only
