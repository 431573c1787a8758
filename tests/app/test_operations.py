"""Probes, budgets, incidents and deliveries on screen, through the round engine."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Static

from tests.app.support import notifications, room, settle, table_text
from tests.helpers import NOW, stamp, write_config, write_ticket
from tui.app import make_app
from tui.base.clock import ManualClock
from tui.base.config_reading import load_config
from widgets.panes.header import StatusBar
from widgets.panes.inboxes import TicketsTable
from widgets.screens.ticket import TicketScreen


def up_and_down(port: int) -> dict[str, str | dict[str, str]]:
    """Two sites on one test server: `up` answers 200, `down` 503."""
    return {"up": f"http://127.0.0.1:{port}/ok", "down": f"http://127.0.0.1:{port}/fail"}


async def test_probes_pane_shows_live_results_and_a_second_room_reads_them(root: Path) -> None:
    from tests.servers import http_server
    from widgets.panes.probes import SitesTable

    with http_server() as port:
        write_config(
            root,
            room={"probe_interval": "1s"},
            sites=up_and_down(port),
        )
        config = load_config(root)
        app = make_app(root, config, watch=False)
        async with app.run_test(size=(160, 48), notifications=True) as pilot:
            await settle(pilot, app, lambda: len(app.main.ops.results) == 2)
            await pilot.pause()
            rows = table_text(app.query_one(SitesTable))
            assert rows[0].startswith(" down | ✗ 503")  # failing first
            assert rows[1].startswith(" up | ✓ 200")
            assert "1 failing" in str(app.query_one("#probes").border_title)
            reader = make_app(root, config, watch=False)
            assert not reader.writer  # the first room holds the lock: this one reads
            async with reader.run_test(size=(160, 48)) as reader_pilot:
                await settle(reader_pilot, reader, lambda: len(reader.main.ops.results) == 2)
                await reader_pilot.pause()
                assert table_text(reader.query_one(SitesTable))[0].startswith(" down | ✗ 503")
            reader.lock.release()
            await pilot.press("3", "enter")
            await settle(pilot, app, lambda: type(app.screen).__name__ == "SiteScreen")


async def test_budgets_pane_and_freeze_banner_from_a_failing_site(root: Path) -> None:
    from tests.servers import http_server
    from widgets.panes.budgets import BudgetsTable

    with http_server() as port:
        write_config(
            root,
            room={"probe_interval": "200ms"},
            sites=up_and_down(port),
        )
        app = make_app(root, load_config(root), watch=False)
        async with app.run_test(size=(160, 48), notifications=True) as pilot:
            await settle(pilot, app, lambda: bool(app.main.ops.results))
            await pilot.pause()
            rows = table_text(app.query_one(BudgetsTable))  # one failed round is no evidence
            assert rows[0].startswith(" down | n=") and not app.main.ops.budget.freeze
            await settle(pilot, app, lambda: app.main.ops.budget.freeze)  # ten rounds are
            await pilot.pause()
            rows = table_text(app.query_one(BudgetsTable))
            assert rows[0].startswith(" down | ✗ 0%")  # worst first
            assert rows[1].startswith(" up | █100%")
            banner = app.query_one("#freeze-banner", Static)
            assert banner.has_class("-shown") and "down/availability" in str(banner.visual)
            assert "DEPLOY FREEZE" in str(app.query_one(StatusBar).visual)
            assert json.loads((root / ".room" / "freeze.json").read_text())["freeze"] is True
            await pilot.press("4", "enter")
            await settle(pilot, app, lambda: type(app.screen).__name__ == "BudgetScreen")


async def test_incident_fires_is_acknowledged_from_the_room_and_the_post_mortem_arrives(
    root: Path,
) -> None:
    from tests.servers import http_server
    from widgets.panes.incidents import IncidentsTable

    with http_server() as port:
        write_config(
            root,
            room={"probe_interval": "1s"},
            incidents={"open_after": 2, "recover_after": 1},
            sites={"shop": f"http://127.0.0.1:{port}/fail"},
        )
        app = make_app(root, load_config(root), watch=True)
        async with app.run_test(size=(160, 48), notifications=True) as pilot:
            await settle(pilot, app, lambda: bool(app.main.ops.open_incidents), seconds=20)
            await pilot.pause()
            assert table_text(app.query_one(IncidentsTable))[0].startswith(" FIRING | shop | http")
            assert any("Incident opened" in (n.title or "") for n in app._notifications)
            await pilot.press("5", "enter")
            await settle(pilot, app, lambda: type(app.screen).__name__ == "IncidentScreen")
            await pilot.press("a")
            await settle(pilot, app, lambda: type(app.screen).__name__ == "NoteScreen")
            await pilot.press(*"restarting the proxy", "enter")
            await settle(pilot, app, lambda: app.main.ops.open_incidents[0].state != "triggered")
            [incident] = app.main.ops.open_incidents
            assert incident.state == "acknowledged" and incident.acknowledged_at is not None
            await pilot.press("r")
            await settle(pilot, app, lambda: type(app.screen).__name__ == "NoteScreen")
            await pilot.press("enter")  # an empty note resolves nothing: the question stays
            await pilot.pause()
            assert type(app.screen).__name__ == "NoteScreen"
            assert "empty note resolves nothing" in str(app.screen.query_one("#note-error").visual)
            assert app.main.ops.open_incidents[0].state == "acknowledged"
            await pilot.press(*"proxy restarted", "enter")
            opened = incident.id  # the site still fails: a later round may open a new one
            await settle(pilot, app, lambda: app.main.ops.incident(opened).state == "resolved")  # type: ignore[union-attr]
            incident = app.main.ops.incident(opened)  # type: ignore[assignment]
            assert incident is not None
            assert (
                incident.state == "resolved"
                and incident.resolution == "resolved by hand: proxy restarted"
            )
            assert incident.postmortem is not None
            # The post-mortem reaches the architect's inbox through the watcher, like any ticket.
            await settle(
                pilot, app, lambda: any(t.path == incident.postmortem for t in app.bus.tickets)
            )  # type: ignore[union-attr]
        stored = json.loads((root / ".room" / "incidents.json").read_text())
        assert any(doc.get("state") == "resolved" for doc in stored["_default"].values())


async def test_probing_goes_on_after_a_round_that_raises(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.ops.engine import Operations

    write_config(root, room={"probe_interval": "1s"}, sites={"x": "http://127.0.0.1:9/"})
    calls: list[int] = []

    def broken(self: Operations, *args: object, **kwargs: object) -> None:
        calls.append(1)
        raise RuntimeError("an engine bug")

    monkeypatch.setattr(Operations, "round", broken)
    app = make_app(root, load_config(root), watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app, lambda: len(calls) >= 2)  # the next round was armed anyway
        assert app.is_running


async def test_a_done_ticket_that_is_not_live_is_flagged_and_listed(state: Path) -> None:
    from tests.servers import http_server
    from widgets.screens.deliveries import DeliveriesScreen, DeliveriesTable

    with http_server() as port:
        write_ticket(
            state,
            "architect",
            "T-0042",
            id="T-0042",
            sender="operator",
            subject="Footer fix deployed",
            created=stamp(180),
            status="done",
            verify=f"http://127.0.0.1:{port}/fail",
        )
        write_ticket(
            state,
            "architect",
            "T-0043",
            id="T-0043",
            sender="operator",
            subject="Guestbook fixed",
            created=stamp(100),
            status="done",
            verify=f"http://127.0.0.1:{port}/ok",
        )
        app = room(state, ManualClock(NOW), probe=True)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot, app, lambda: app.ready and bool(app.main.ops.deliveries))
            await settle(pilot, app, lambda: any(d.ok is not None for d in app.main.ops.deliveries))
            header = str(app.query_one(StatusBar).visual)
            assert "1 done, not live" in header
            rows = table_text(app.query_one(TicketsTable))
            assert any("done ✘" in row and "T-0042" in row for row in rows)
            assert any(
                "Done, not live" in n or "T-0042 marked done 3h00m ago" in n
                for n in notifications(app)
            )
            await pilot.press("6")
            await settle(pilot, app, lambda: isinstance(app.screen, DeliveriesScreen))
            listed = [
                " | ".join(
                    cell.plain for cell in app.screen.query_one(DeliveriesTable).get_row_at(i)
                )
                for i in range(2)
            ]
            assert "NOT LIVE ✘" in listed[0] and "T-0042" in listed[0]
            assert "answers 503 Service Unavailable (expected 200)" in listed[0]
            assert "live ✓" in listed[1] and "T-0043" in listed[1]
            # The agent archives it meanwhile: enter opens it where it is now.
            archived = state / "tickets" / "archive" / "2026-11"
            archived.mkdir(parents=True, exist_ok=True)
            (state / "tickets" / "to_architect" / "T-0042.md").rename(archived / "T-0042.md")
            await pilot.press("enter")  # opens the ticket of the selected delivery
            await settle(pilot, app, lambda: isinstance(app.screen, TicketScreen))
            fields = str(app.screen.query_one("#ticket-fields", Static).visual)
            assert "NOT LIVE" in fields and "cannot read the file" not in fields
            await pilot.press("escape")  # back to the list it was opened from
            await settle(pilot, app, lambda: isinstance(app.screen, DeliveriesScreen))


async def test_a_sites_history_marks_the_done_tickets_among_its_probes(state: Path) -> None:
    from widgets.screens.site import HistoryTable, SiteScreen

    history = [
        ("http", "2026-11-24T09:40:00Z", True, 80.0),
        ("http", "2026-11-24T09:50:00Z", False, None),
        ("http", "2026-11-24T09:55:00Z", False, None),
    ]
    marks = [
        ("2026-11-24T09:45:00Z", "T-0136 pm-shop: deploy the gallery"),
        ("2026-11-23T09:00:00Z", "T-0001 pm-shop: older than the history, not drawn"),
    ]
    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app, lambda: app.ready)
        app.push_screen(SiteScreen("shop", [], history, app.tones, marks))
        await settle(pilot, app, lambda: bool(app.screen.query(HistoryTable)))
        await pilot.pause()
        rows = table_text(app.screen.query_one(HistoryTable))  # type: ignore[arg-type]
        assert [row.split(" | ")[1].strip() for row in rows] == [
            "2026-11-24T09:55:00Z",
            "2026-11-24T09:50:00Z",
            "2026-11-24T09:45:00Z",  # the done ticket, between the last good and first bad
            "2026-11-24T09:40:00Z",
        ]
        assert "deploy the gallery" in rows[2] and "done" in rows[2]


async def test_a_firing_incident_is_announced_at_its_rung_with_rounds_minutes_apart(
    root: Path,
) -> None:
    """probe_interval 5m (and probing off here): the 60 s rung is announced when the clock
    reaches it, not at the next round, and the room arms a timer for it however far it is."""
    from tests.helpers import acknowledged_burn
    from tui.ops.incidents import IncidentBook

    write_config(root, room={"probe_interval": "5m"}, sites={"shop": "http://127.0.0.1:9/"})
    (root / ".room").mkdir()
    book = IncidentBook(root / ".room", read_only=False)
    incident = acknowledged_burn("shop", stamp(1 / 3))  # opened 20 s ago: its rung 40 s away
    incident.state, incident.tier = "triggered", 0
    book.incidents.append(incident)
    book.save()
    clock = ManualClock(NOW)
    app = make_app(root, load_config(root), clock=clock, watch=False, probe=False)

    def firing() -> bool:
        return any("firing" in (n.title or "").lower() for n in app._notifications)

    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        # The start-up look at the ladder arms a timer for the rung, 40 s away.
        await settle(pilot, app, lambda: app.ready and app.escalation_timer is not None)
        assert not firing()
        clock.advance(timedelta(seconds=41))  # the rung has come; no round is near
        app.main.refresh_ages()  # the room's 30 s tick
        await settle(pilot, app, firing)
        assert app.main.ops.incident(incident.id).tier == 1  # type: ignore[union-attr]
