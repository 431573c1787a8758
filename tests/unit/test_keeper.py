"""The watchkeeper alone: the ladders, the freeze, what each event logs, shows and pages. The
room and the watcher both turn these very events into toasts, log lines and pages (their own
tests: tests/app/test_loops.py, tests/integration/test_headless.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui.base.config import Config
from tui.bus.tickets import Ticket
from tui.ops import round_events as r
from tui.ops.budgets import BudgetReport
from tui.ops.checks import ProbeResult
from tui.ops.incident_record import Incident
from tui.ops.keeper import LADDER_FILE, Keeper
from tui.ops.outcomes import OpsView, RoundOutcome
from tui.ops.requests import Request
from tui.ops.slo import Counts, SloStatus
from tui.view.header import announcements

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def clarification(ticket_id: str, waited: timedelta) -> Ticket:
    return Ticket(
        id=ticket_id, role="architect", path=f"tickets/to_architect/{ticket_id}.md",
        sender="operator (Cybersecurity)", to="architect", priority="P1",
        status="needs_clarification", created=NOW - waited, subject="Which registrar?",
        deliverable="an answer",
    )  # fmt: skip


def incident(**changes: object) -> Incident:
    base = Incident(
        "INC-1", "shop", "http", "availability", "triggered", "2026-12-03T08:59:00Z",
        "2026-12-03T08:58:00Z", "503 Service Unavailable",
    )  # fmt: skip
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def view(*, frozen: bool = False, results: tuple[ProbeResult, ...] = ()) -> OpsView:
    status = SloStatus("shop", "availability", 0.995, Counts(90, 100), {}, frozen, ())
    return OpsView(results=results, budget=BudgetReport((status,), frozen, None, None))


def outcome(
    *results: ProbeResult,
    opened: tuple[Incident, ...] = (),
    resolved: tuple[Incident, ...] = (),
    problems: tuple[str, ...] = (),
    frozen: bool = False,
) -> RoundOutcome:
    return RoundOutcome(results, opened, resolved, problems, None, view(frozen=frozen))


def probe(ok: bool) -> ProbeResult:
    return ProbeResult("shop", "http", ok, 12.0, "200 OK" if ok else "503", NOW)


def test_a_stale_clarification_climbs_its_ladder_once_per_rung() -> None:
    keeper = Keeper(Config(), view())
    ticket = clarification("T-1", timedelta(hours=1, minutes=1))  # stale since a minute
    rungs = []
    for minutes in range(0, 40):
        raised, _ = keeper.scanned([ticket], set(), NOW + minutes * MIN)
        rungs += [(minutes, r.rung) for r in raised]
    assert rungs == [(0, 1), (4, 2), (19, 3), (34, 4)]
    [raised] = keeper.scanned([ticket], set(), NOW + 49 * MIN)[0]
    page = raised.page()
    assert (page.kind, page.id, page.tier) == ("stale", "T-1", 5)
    assert raised.log == "stale raised" and raised.fields()["role"] == "architect"
    # One wording for the log's page and the room's toast; the persona is shown.
    toast = raised.toast()
    assert toast.text == page.text and toast.bell
    assert page.text.startswith("T-1 from operator (Cybersecurity) to architect has waited 1h50m")
    assert keeper.scanned([ticket], {"T-1"}, NOW + 80 * MIN) == ([], None)  # acknowledged


def test_the_ladders_survive_a_restart_and_a_broken_file_is_said(tmp_path: Path) -> None:
    keeper = Keeper(Config(), view())
    ticket = clarification("T-1", timedelta(hours=2))
    assert len(keeper.scanned([ticket], set(), NOW)[0]) == 1
    assert keeper.save(tmp_path) == []
    again = Keeper(Config(), view())
    assert again.load(tmp_path) == []
    assert again.scanned([ticket], set(), NOW + MIN)[0] == []  # not raised twice
    (tmp_path / LADDER_FILE).write_text("{not json")
    [problem] = Keeper(Config(), view()).load(tmp_path)
    assert "ladder.json unreadable, ladders start over" in problem


def test_a_round_says_what_changed_once() -> None:
    keeper = Keeper(Config(), view(results=(probe(True),)))
    opened = incident()
    first = keeper.round(outcome(probe(False), opened=(opened,)), NOW, 0.4, [])
    assert [type(e).__name__ for e in first] == ["RoundDone", "ProbeChanged", "IncidentOpened"]
    assert [e.log for e in first] == ["round", "probe down", "incident opened"]
    assert first[0].fields() == {"checks": 1, "failing": 1, "seconds": 0.4}
    assert first[2].page() is None  # the page comes at the first rung, not at the opening
    assert first[2].toast().title == "Incident opened: INC-1"
    second = keeper.round(outcome(probe(False)), NOW + MIN, 0.3, [])
    assert [e.log for e in second] == ["round"]  # nothing changed


def test_the_freeze_is_paged_on_and_lifted_under_one_id() -> None:
    keeper = Keeper(Config(), view())
    [on] = [e for e in keeper.round(outcome(frozen=True), NOW, 0, []) if e.log != "round"]
    assert isinstance(on, r.FreezeChanged) and on.log == "freeze on"
    assert on.fields() == {"budgets": "shop availability"}
    assert keeper.round(outcome(frozen=True), NOW + MIN, 0, []) == [r.RoundDone(NOW + MIN, 0, 0, 0)]
    [off] = [e for e in keeper.round(outcome(), NOW + 2 * MIN, 0, []) if e.log != "round"]
    assert off.log == "freeze off" and off.page().state == "resolved"
    assert off.page().id == on.page().id == "freeze-20261203T090000"


def test_records_not_saved_are_said_once_and_their_return_too() -> None:
    keeper = Keeper(Config(), view())
    full = ["history not saved: No space left on device"]
    logs = [e.log for e in keeper.round(outcome(problems=tuple(full)), NOW, 0, full)]
    assert logs == ["round", "records not saved"]  # not also as a problem
    logs = [e.log for e in keeper.round(outcome(problems=tuple(full)), NOW + MIN, 0, full)]
    assert logs == ["round"]
    back = keeper.round(outcome(), NOW + 2 * MIN, 0, [])
    assert [e.log for e in back] == ["round", "records saved again"]
    assert back[1].fields() == {"since": "2026-12-03T09:00:00Z"}


def test_a_resolution_is_paged_only_to_whoever_heard_the_incident() -> None:
    keeper = Keeper(Config(), view())
    quiet = incident(state="resolved", resolution="http passed again", tier=0)
    heard = incident(id="INC-2", state="resolved", resolution="http passed again", tier=2)
    said = keeper.incidents(outcome(resolved=(quiet, heard)), NOW)
    assert [e.page() is None for e in said] == [True, False]
    assert said[1].page().text == "INC-2 resolved: shop http"


def test_a_request_carried_out_says_so_and_pages_a_silence() -> None:
    keeper = Keeper(Config(), view())
    silenced = incident(silenced_until="2026-12-03T09:30:00Z", silence_note="moving DNS")
    request = Request(Path("r.json"), "silence", "INC-1", "ana", "moving DNS", "x", "")
    said = keeper.requested(request, "Silenced INC-1 until 09:30Z.", silenced, NOW)
    assert [e.log for e in said] == ["silenced", None]
    page = said[1].page()
    assert page.kind == "silence" and page.until == "2026-12-03T09:30:00Z" and page.by == "ana"
    assert said[0].toast().text == "Silenced INC-1 until 09:30Z. (by ana)"
    closed = incident(state="resolved", resolution="by hand", tier=1)
    request = Request(Path("r.json"), "resolve", "INC-1", "ana", "fixed", "x", "")
    done, page_only = keeper.requested(request, "Resolved INC-1.", closed, NOW)
    assert done.log == "resolved by hand" and page_only.log is None
    assert page_only.toast() is None and page_only.page().state == "resolved"


def test_the_room_groups_what_the_watcher_pages_one_by_one() -> None:
    keeper = Keeper(Config(), view())
    tickets = [clarification(f"T-{n}", timedelta(hours=2)) for n in range(5)]
    raised, _ = keeper.scanned(tickets, set(), NOW)
    assert len([e.page() for e in raised]) == 5
    [toast] = announcements(raised, timedelta(hours=1))
    assert toast.title == "Stale clarifications" and "T-0, T-1, T-2, T-3, T-4" in toast.text


def test_ladder_json_is_written_only_when_a_ladder_moved(tmp_path: Path) -> None:
    keeper = Keeper(Config(), view())
    keeper.round(outcome(), NOW, 0, [])
    assert keeper.save(tmp_path) == [] and not (tmp_path / LADDER_FILE).exists()  # nothing moved
    keeper.scanned([clarification("T-1", timedelta(hours=2))], set(), NOW)
    assert keeper.save(tmp_path) == [] and (tmp_path / LADDER_FILE).exists()
    (tmp_path / LADDER_FILE).unlink()
    assert keeper.save(tmp_path) == [] and not (tmp_path / LADDER_FILE).exists()  # said once


def test_a_ladder_json_that_cannot_be_written_is_said_once_and_tried_again(tmp_path: Path) -> None:
    keeper = Keeper(Config(), view())
    gone = tmp_path / "gone"  # no such folder: every write fails
    keeper.scanned([clarification("T-1", timedelta(hours=2))], set(), NOW)
    [problem] = keeper.save(gone)
    assert problem.startswith("ladder.json not written")
    assert keeper.save(gone) == []  # not again at every round while it fails
    gone.mkdir()
    assert keeper.save(gone) == [] and (gone / LADDER_FILE).exists()  # written once it can be
