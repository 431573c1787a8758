"""The room driven as a person drives it (Pilot), with an injected clock: no sleeps on time."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Static

from tests.helpers import NOW, stamp, write_open_and_stale, write_raw, write_ticket
from tui.app import RoomApp, make_app
from tui.base.clock import ManualClock
from tui.base.config import load_config
from tui.bus.tickets import Ticket
from widgets.panes.header import StatusBar
from widgets.panes.inboxes import RolesTable, TicketsTable
from widgets.screens.ticket import TicketScreen


def table_text(table: TicketsTable | RolesTable) -> list[str]:
    rows = []
    for row_index in range(table.row_count):
        rows.append(" | ".join(cell.plain for cell in table.get_row_at(row_index)))
    return rows


def notifications(app: RoomApp) -> list[str]:
    return [note.message for note in app._notifications]


async def settle(
    pilot: object, app: RoomApp, until: Callable[[], bool], seconds: float = 10.0
) -> None:
    """Wait (bounded) for a condition the room reaches through its own workers."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not until():
        if loop.time() > deadline:
            raise AssertionError("the room did not get there in time")
        await pilot.pause(0.05)  # type: ignore[attr-defined]


@pytest.fixture
def state(root: Path) -> Path:
    write_open_and_stale(
        root, priority="P0", subject="Which registrar?", body="# Question\n\nGandi or not?\n"
    )
    write_ticket(
        root,
        "architect",
        "R-2",
        id="R-2",
        sender="operator",
        subject="Answer to T-2",
        deliverable="d",
        created=stamp(10),
        status="done",
        in_reply_to="T-2",
    )
    write_raw(root, "architect", "broken.md", "no header\n")
    (root / "sisyphus.toml").write_text('[room]\nroles = ["architect", "operator", "pm-empty"]\n')
    return root


def room(root: Path, clock: ManualClock, **kwargs: object) -> RoomApp:
    return make_app(
        root,
        load_config(root),
        clock=clock,
        watch=kwargs.pop("watch", False),
        probe=kwargs.pop("probe", False),
        **kwargs,
    )  # type: ignore[arg-type]


async def test_inboxes_and_tickets_are_shown(state: Path) -> None:
    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        roles = table_text(app.query_one(RolesTable))
        assert roles[0].split(" | ")[:4] == [" all inboxes", "3", "1", "1"]
        assert any(row.startswith(" pm-empty | 0") for row in roles)
        tickets = table_text(app.query_one(TicketsTable))
        assert "STALE" in tickets[0] and "T-2" in tickets[0]  # P0 first
        assert any("BROKEN" in row and "no front matter" in row for row in tickets)
        header = app.query_one(StatusBar).visual
        assert "1 stale" in str(header) and "1 malformed" in str(header)


async def test_keys_move_select_and_open_a_ticket(state: Path) -> None:
    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        await pilot.press("j")  # all inboxes → architect
        await pilot.pause()
        assert app.main.selected_role == "architect"
        await pilot.press("j")
        await pilot.pause()
        assert app.main.selected_role == "operator"
        await pilot.press("k", "k")
        assert app.main.selected_role == "*"
        await pilot.press("2", "g")
        assert app.focused is app.query_one(TicketsTable)
        await pilot.press("enter")
        await settle(pilot, app, lambda: isinstance(app.screen, TicketScreen))
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        assert screen.detail.title == "T-2 · Which registrar?"
        assert ("from → to", "architect → operator") in screen.detail.fields
        assert [line.ticket_id for line in screen.detail.thread] == ["R-2"]
        assert "Gandi or not?" in screen.detail.body
        # enter on the thread line opens R-2; escape comes back to T-2, then to the room.
        screen.query_one("#ticket-thread").focus()
        await pilot.press("enter")
        await settle(pilot, app, lambda: app.main.detail_path == "tickets/to_architect/R-2.md")
        await settle(pilot, app, lambda: isinstance(app.screen, TicketScreen))
        await pilot.press("escape")
        await settle(pilot, app, lambda: app.main.detail_path == "tickets/to_operator/T-2.md")
        await settle(pilot, app, lambda: isinstance(app.screen, TicketScreen))
        assert app.screen.detail.title == "T-2 · Which registrar?"  # type: ignore[attr-defined]
        await pilot.press("escape")
        await settle(pilot, app, lambda: app.screen is app.main)
        assert app.main.detail_path is None


async def test_views_opened_and_closed_leave_nothing_behind(state: Path) -> None:
    """A closed ticket view's widgets are freed, styles caches and all (Textual kept 1,024 of
    them through an lru_cache on a method: ~17 MB over the first fifty views)."""
    import gc

    from textual._styles_cache import StylesCache

    def caches() -> int:
        gc.collect()
        return sum(isinstance(o, StylesCache) for o in gc.get_objects())

    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app, lambda: app.ready)
        await pilot.press("2")

        async def opens(count: int) -> None:
            for _ in range(count):
                await pilot.press("enter")
                await settle(pilot, app, lambda: isinstance(app.screen, TicketScreen))
                await pilot.press("escape")
                await settle(pilot, app, lambda: app.screen is app.main)

        await opens(2)
        before = caches()
        await opens(5)
        assert caches() <= before + 2  # one view's widgets number about sixteen


async def test_filter_by_text_status_and_priority(state: Path) -> None:
    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        await pilot.press("slash", *"registrar")
        await pilot.pause()
        assert [r.split(" | ")[2] for r in table_text(app.query_one(TicketsTable))] == ["T-2"]
        await pilot.press("escape")
        await pilot.press("slash", *"priority:p1,p0 status:open")
        await pilot.pause()
        assert [r.split(" | ")[2] for r in table_text(app.query_one(TicketsTable))] == ["T-1"]
        await pilot.press("escape")
        assert len(table_text(app.query_one(TicketsTable))) == 4
        await pilot.press("s")
        await pilot.pause()
        assert [r.split(" | ")[2] for r in table_text(app.query_one(TicketsTable))] == ["T-2"]


async def test_stale_ladder_then_acknowledgement_survives_restart(root: Path) -> None:
    write_ticket(
        root,
        "operator",
        "Q-1",
        id="Q-1",
        sender="architect",
        subject="A question",
        deliverable="d",
        created=stamp(50),
        status="needs_clarification",
    )
    clock = ManualClock(NOW)
    app = room(root, clock)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        assert not [n for n in notifications(app) if "Q-1" in n]
        clock.advance(timedelta(minutes=10, seconds=1))  # turns stale: announced once
        app.main.refresh_ages()
        await pilot.pause()
        assert len([n for n in notifications(app) if "Q-1" in n]) == 1
        clock.advance(timedelta(minutes=2))
        app.main.refresh_ages()
        await pilot.pause()
        assert len([n for n in notifications(app) if "Q-1" in n]) == 1
        clock.advance(timedelta(minutes=3))  # 5 minutes after turning stale
        app.main.refresh_ages()
        await pilot.pause()
        assert len([n for n in notifications(app) if "Q-1" in n]) == 2
        clock.advance(timedelta(minutes=15))
        app.main.refresh_ages()
        await pilot.pause()
        assert len([n for n in notifications(app) if "Q-1" in n]) == 3
        clock.advance(timedelta(minutes=14))
        app.main.refresh_ages()
        await pilot.pause()
        assert len([n for n in notifications(app) if "Q-1" in n]) == 3
        await pilot.press("2", "a")
        assert "Q-1" in app.acks.ids()
        clock.advance(timedelta(hours=2))
        app.main.refresh_ages()
        await pilot.pause()
        assert len([n for n in notifications(app) if "Q-1" in n and "waited" in n]) == 3
        assert "STALE ✓" in table_text(app.query_one(TicketsTable))[0]
    acks = json.loads((root / ".room" / "acks.json").read_text())
    assert [doc["ticket"] for doc in acks["_default"].values()] == ["Q-1"]
    again = room(root, clock)
    async with again.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, again, lambda: again.ready)
        assert not [n for n in notifications(again) if "Q-1" in n and "waited" in n]


async def test_read_only_keeps_acknowledgements_in_memory(state: Path) -> None:
    app = room(state, ManualClock(NOW), read_only=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        assert "read-only" in str(app.query_one(StatusBar).visual)
        await pilot.press("2", "a")
        assert "T-2" in app.acks.ids()
    assert not (state / ".room" / "acks.json").exists()


async def test_second_room_reads_when_the_first_holds_the_lock(state: Path) -> None:
    first = room(state, ManualClock(NOW))
    async with first.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, first, lambda: first.ready)
        second = room(state, ManualClock(NOW))
        assert second.read_only_reason == "another room holds .room/lock"
        async with second.run_test(size=(120, 40), notifications=True) as second_pilot:
            await settle(second_pilot, second, lambda: second.ready)
            header = str(second.query_one(StatusBar).visual)
            assert "read-only (another room holds .room/lock)" in header
            await second_pilot.press("2", "a")  # T-2, the stale clarification
            assert "T-2" in second.acks.ids()
        assert "T-2" not in first.acks.ids()  # the reader wrote nothing the writer reads
        assert not (state / ".room" / "acks.json").exists()


async def test_hostile_ticket_is_inert_everywhere(root: Path) -> None:
    write_raw(
        root,
        "operator",
        "evil.md",
        (
            '---\nid: "E\\e]0;pwned\\a"\nfrom: "a\\e]52;c;Y2xpcA==\\a"\n'
            'subject: "[@click=app.quit]x[/] disk [/var] full \\u202e [$text @click=app.quit]y"\n'
            f"status: needs_clarification\ncreated: {stamp(200)}\ndeliverable: d\n---\n"
            "Body [@click=app.quit]quit[/] \x1b[31mred\n"
        ),
    )
    write_ticket(
        root, "operator", "long", sender="a", subject="s" * 5000, deliverable="d", created=stamp(1)
    )
    app = room(root, ManualClock(NOW))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        note = next(n for n in notifications(app) if "disk [/var] full" in n)
        assert "\x1b" not in note and "\u202e" not in note and "[@click=app.quit]" in note
        for row in table_text(app.query_one(TicketsTable)):
            assert "\x1b" not in row and "\x07" not in row
        await pilot.press("2", "enter")
        await settle(pilot, app, lambda: isinstance(app.screen, TicketScreen))
        await pilot.click("#ticket-body")
        await pilot.pause()
        assert app.is_running  # no click on the hostile text quit the app
        assert "[@click=app.quit]quit[/]" in app.screen.detail.body  # type: ignore[attr-defined]
        assert app.check_action("screenshot", ()) is False
        assert app.check_action("quit", ()) is True
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert not any("screenshot" in title.lower() for title in titles)
        assert "Keys" not in titles  # one way to see the keys: ?, or "Show the keys"


async def test_live_watch_sees_a_file_written_moved_and_deleted(state: Path) -> None:
    app = room(state, ManualClock(NOW), watch=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        await settle(pilot, app, app.watching.is_set)
        path = write_ticket(
            state,
            "operator",
            "NEW-1",
            id="NEW-1",
            sender="architect",
            subject="Fresh",
            deliverable="d",
            created=stamp(1),
        )
        await settle(pilot, app, lambda: any(t.id == "NEW-1" for t in app.bus.tickets))  # type: ignore[union-attr]
        assert any("NEW-1" in row for row in table_text(app.query_one(TicketsTable)))
        archived_before = app.bus.archived  # type: ignore[union-attr]
        path.rename(state / "tickets" / "archive" / "NEW-1.md")
        await settle(pilot, app, lambda: app.bus.archived == archived_before + 1)  # type: ignore[union-attr]
        assert not any(t.id == "NEW-1" for t in app.bus.tickets)  # type: ignore[union-attr]
        (state / "tickets" / "to_operator" / "T-1.md").unlink()
        await settle(pilot, app, lambda: not any(t.id == "T-1" for t in app.bus.tickets))  # type: ignore[union-attr]


async def test_tickets_folder_deleted_and_recreated(state: Path) -> None:
    app = room(state, ManualClock(NOW), watch=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready and app.watching.is_set())
        backup = state.parent / "saved-tickets"
        shutil.move(state / "tickets", backup)
        await settle(pilot, app, lambda: "the tickets/ folder is missing" in app.bus.problems)  # type: ignore[union-attr]
        assert "missing" in str(app.query_one(StatusBar).visual)
        shutil.move(backup, state / "tickets")
        await settle(
            pilot, app, lambda: not app.bus.problems and len(app.bus.tickets) == 3, seconds=30
        )  # type: ignore[union-attr]


async def test_palette_offers_roles_and_runs_them(state: Path) -> None:
    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"inbox: operator")
        from textual.command import CommandList

        await settle(pilot, app, lambda: app.screen.query_one(CommandList).option_count > 0)
        await pilot.press("enter")
        await pilot.pause()
        assert app.main.selected_role == "operator"
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await settle(pilot, app, lambda: app.screen is app.main)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"show incidents")
        await settle(pilot, app, lambda: app.screen.query_one(CommandList).option_count > 0)
        await pilot.press("enter")
        await settle(pilot, app, lambda: app.main.current == "incidents")


def test_every_binding_of_every_screen_has_its_line_in_help() -> None:
    from textual.binding import Binding

    from widgets.parts.tables import KeyedTable
    from widgets.screens.catalog import SCREENS, keys_markdown
    from widgets.screens.help import HELP, binding_rows, key_label

    for owner in [RoomApp, *SCREENS, KeyedTable]:
        bindings = [b for b in owner.BINDINGS if isinstance(b, Binding)]
        assert bindings, owner
        rows = dict(binding_rows(bindings))
        for binding in bindings:
            assert binding.id in HELP, f"{owner.__name__}: {binding.key} has no line in HELP"
            label = key_label(binding)
            assert rows[label] == HELP[binding.id]
            assert set(label.split(" / ")) == {
                {"question_mark": "?", "slash": "/", "colon": ":"}.get(k, k)
                for k in binding.key.split(",")
            }
    # The docs' keys reference is built from the same bindings, and refuses a key with no line.
    page = keys_markdown(RoomApp.BINDINGS)
    for screen in SCREENS:
        assert f"## {screen.HELP_TITLE}" in page
    assert "| `:` | a command, typed" in page
    unexplained = Binding("z", "nothing", "Nothing", id="nowhere.z")
    with pytest.raises(KeyError, match="has no line in HELP"):
        keys_markdown([*RoomApp.BINDINGS, unexplained])


async def test_help_is_the_keys_of_the_screen_it_is_pressed_in(state: Path) -> None:
    from widgets.screens.help import HelpScreen
    from widgets.screens.incident import IncidentScreen

    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        await pilot.press("question_mark")
        await settle(pilot, app, lambda: isinstance(app.screen, HelpScreen))
        shown = "\n".join(title for title, _ in app.screen.sections)  # type: ignore[attr-defined]
        assert shown == "The room\nIn a table\nEverywhere\nMarks in the tickets"
        assert "enter" in dict(dict(app.screen.sections)["In a table"])  # type: ignore[attr-defined]
        await pilot.press("escape")
        screen = IncidentScreen("INC-1", "triggered", [("INC-1", "bold")], app.tones)
        app.push_screen(screen)
        await pilot.press("question_mark")
        await settle(pilot, app, lambda: isinstance(app.screen, HelpScreen))
        sections = dict(app.screen.sections)  # type: ignore[attr-defined]
        assert [keys for keys, _ in sections["An incident"]] == [
            "escape / q",
            "a",
            "r",
            "K",
            "S",
            "?",
        ]
        await pilot.press("escape", "escape")
        await settle(pilot, app, lambda: app.screen is app.main)
        app.main.action_actions()  # a table where enter opens nothing: no enter line
        await settle(pilot, app, lambda: type(app.screen).__name__ == "ActionsScreen")
        await pilot.press("question_mark")
        await settle(pilot, app, lambda: isinstance(app.screen, HelpScreen))
        sections = dict(app.screen.sections)  # type: ignore[attr-defined]
        assert "enter" not in dict(sections["In a table"])


def test_ticket_detail_of_a_response_finds_the_archived_original(root: Path) -> None:
    from tui.bus.scanner import Scanner
    from tui.view.ticket import build_detail

    archive = root / "tickets" / "archive" / "2026-11"
    archive.mkdir(parents=True)
    (archive / "T-9.md").write_text(
        "---\nid: T-9\nfrom: operator\nsubject: The original\ndeliverable: d\n---\n"
    )
    write_ticket(
        root,
        "operator",
        "R-9",
        id="R-9",
        sender="architect",
        subject="Re",
        deliverable="d",
        created=stamp(5),
        status="done",
        in_reply_to="T-9",
    )
    bus = Scanner(root).scan()
    detail = build_detail(root, "tickets/to_operator/R-9.md", bus, NOW, timedelta(hours=1), set())
    assert [(line.relation, line.ticket_id, line.where) for line in detail.thread] == [
        ("answers", "T-9", "archive")
    ]
    assert isinstance(bus.tickets[0], Ticket)


async def test_probes_pane_shows_live_results_and_a_second_room_reads_them(root: Path) -> None:
    from tests.servers import http_server
    from widgets.panes.probes import SitesTable

    with http_server() as port:
        (root / "sisyphus.toml").write_text(
            f'[room]\nprobe_interval = "1s"\n'
            f'[[sites]]\nname = "up"\nurl = "http://127.0.0.1:{port}/ok"\n'
            f'[[sites]]\nname = "down"\nurl = "http://127.0.0.1:{port}/fail"\n'
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
        (root / "sisyphus.toml").write_text(
            f'[room]\nprobe_interval = "200ms"\n'
            f'[[sites]]\nname = "up"\nurl = "http://127.0.0.1:{port}/ok"\n'
            f'[[sites]]\nname = "down"\nurl = "http://127.0.0.1:{port}/fail"\n'
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
        (root / "sisyphus.toml").write_text(
            '[room]\nprobe_interval = "1s"\n[incidents]\nopen_after = 2\nrecover_after = 1\n'
            f'[[sites]]\nname = "shop"\nurl = "http://127.0.0.1:{port}/fail"\n'
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

    (root / "sisyphus.toml").write_text(
        '[room]\nprobe_interval = "1s"\n[[sites]]\nname = "x"\nurl = "http://127.0.0.1:9/"\n'
    )
    calls: list[int] = []

    def broken(self: Operations, *args: object, **kwargs: object) -> None:
        calls.append(1)
        raise RuntimeError("an engine bug")

    monkeypatch.setattr(Operations, "round", broken)
    app = make_app(root, load_config(root), watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app, lambda: len(calls) >= 2)  # the next round was armed anyway
        assert app.is_running


async def test_a_ticket_of_a_mebibyte_opens_and_keys_still_work(root: Path) -> None:
    body = "\n\n".join(f"Paragraph {n}: " + "words " * 25 for n in range(6000))
    write_ticket(
        root,
        "operator",
        "BIG",
        id="BIG",
        sender="architect",
        deliverable="d",
        subject="Z" + "\u0301" * 10_000,
        created=stamp(5),
        body=body[: 1000 * 1024],
    )
    app = room(root, ManualClock(NOW))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        await pilot.press("2", "enter")
        await settle(pilot, app, lambda: isinstance(app.screen, TicketScreen))
        assert "read it in `tickets/to_operator/BIG.md`" in app.screen.detail.body  # type: ignore[attr-defined]
        await pilot.press("escape")
        await settle(pilot, app, lambda: app.screen is app.main)


async def test_a_write_that_fails_is_said_and_the_room_goes_on(state: Path) -> None:
    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        folder = state / ".room"
        shutil.move(folder, state / "room-away")
        folder.write_text("not a folder: every write under .room fails\n")
        await pilot.press("2", "a")  # T-2, the stale clarification
        await settle(
            pilot, app, lambda: any("acks.json not written" in n for n in notifications(app))
        )
        assert "T-2" in app.acks.ids()  # kept in memory
        assert app.is_running


@pytest.mark.parametrize("theme", ["room", "room-light", "room-ansi"])
async def test_every_header_signal_is_readable_in_every_theme(root: Path, theme: str) -> None:
    """No signal's colour may equal its background, nor be too close to it (WCAG 3:1)."""
    write_ticket(
        root,
        "operator",
        "Q-1",
        id="Q-1",
        sender="architect",
        deliverable="d",
        created=stamp(90),
        status="needs_clarification",
    )
    write_raw(root, "operator", "broken.md", "no header\n")
    app = room(root, ManualClock(NOW), read_only=True, theme=theme)
    async with app.run_test(size=(160, 10)) as pilot:
        await settle(pilot, app, lambda: app.ready)
        bar = app.query_one(StatusBar)
        assert bar.has_class("-alarm")
        checked = 0
        for segment in bar.render_line(0):
            style = segment.style
            if not segment.text.strip() or style is None or style.color is None:
                continue
            fg, bg = style.color, style.bgcolor
            assert bg is not None, segment
            if style.reverse:
                fg, bg = bg, fg
            if fg.is_default and bg.is_default:
                continue  # the terminal's own pair of colours
            assert fg != bg, f"{theme}: {segment.text!r} is {fg.name} on {bg.name}"
            if fg.triplet is not None and bg.triplet is not None:
                assert contrast(fg.triplet, bg.triplet) >= 3, f"{theme}: {segment.text!r}"
            checked += 1
        assert checked >= 3  # stale, malformed, read-only at least


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    def luminance(rgb: tuple[int, int, int]) -> float:
        def channel(c: int) -> float:
            c_ = c / 255
            return c_ / 12.92 if c_ <= 0.03928 else ((c_ + 0.055) / 1.055) ** 2.4

        r, g, b_ = (channel(c) for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


async def test_at_80x24_one_pane_at_a_time_each_with_room_to_read(state: Path) -> None:
    from widgets.screens.layout import PANES

    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app, lambda: app.ready)
        for key, name in zip(
            "12345", ("roles", "tickets", "probes", "budgets", "incidents"), strict=True
        ):
            await pilot.press(key)
            await pilot.pause()
            table_type = PANES[name][1]
            shown = [n for n, (box, _) in PANES.items() if app.main.query_one(f"#{box}").display]
            assert shown == [name]
            table = app.main.query_one(table_type)
            assert app.focused is table
            assert table.size.height >= 9  # a header and at least 8 rows
            assert not table.show_horizontal_scrollbar
            summary = str(app.main.query_one("#pane-summary").visual)
            assert f" {key} " in summary
        await pilot.press("tab")
        await pilot.pause()
        assert app.main.current == "roles"  # tab goes round


async def test_the_ticket_view_at_80x24_scrolls_and_says_when_acknowledged(state: Path) -> None:
    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        await pilot.press("2", "enter")  # T-2: the stale clarification
        await settle(pilot, app, lambda: isinstance(app.screen, TicketScreen))
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        meta = screen.query_one("#ticket-meta")
        fields = str(screen.query_one("#ticket-fields", Static).visual)
        assert "press a to acknowledge" in fields and "file" in fields
        assert meta.max_scroll_y > 0  # the front matter does not fit: it scrolls, nothing is lost
        meta.focus()
        await pilot.press("j", "j")
        assert meta.scroll_y == 2
        await pilot.press("a")
        await settle(
            pilot,
            app,
            lambda: "acknowledged" in str(screen.query_one("#ticket-fields", Static).visual),
        )
        assert "press a" not in str(screen.query_one("#ticket-fields", Static).visual)


async def test_a_room_attaches_to_a_running_watcher_and_acks_through_it(state: Path) -> None:
    import subprocess
    import sys

    watcher = subprocess.Popen(
        [sys.executable, "-m", "tui", "watch", "--state", str(state), "--log-format", "json"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert watcher.stdout is not None
        assert json.loads(watcher.stdout.readline())["event"] == "watcher started"
        app = room(state, ManualClock(NOW))
        assert app.watcher is not None and app.watcher["pid"] == watcher.pid
        assert not app.writer and app.read_only_reason is None  # attached, not read-only
        async with app.run_test(size=(160, 40), notifications=True) as pilot:
            await settle(pilot, app, lambda: app.ready)
            header = str(app.query_one(StatusBar).visual)
            assert f"watched by pid {watcher.pid} on " in header and "read-only" not in header
            await pilot.press("2", "a")  # T-2, the stale clarification
            await settle(pilot, app, lambda: "T-2" in app.acks.ids())
            await settle(pilot, app, lambda: "(1 acked)" in str(app.query_one(StatusBar).visual))
        acks = json.loads((state / ".room" / "acks.json").read_text())["_default"]
        assert [doc["ticket"] for doc in acks.values()] == ["T-2"]  # written by the watcher
    finally:
        watcher.terminate()
        watcher.wait(10)
    assert watcher.returncode == 0


async def test_the_writer_room_carries_out_acks_from_the_command_line(state: Path) -> None:
    import sys

    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        assert app.writer
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tui",
            "ack",
            "T-2",
            "--state",
            str(state),
            "--by",
            "night-shift",
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await process.communicate()
        assert process.returncode == 0
        assert b"carried out by the room holding the lock" in out
        assert "T-2" in app.acks.ids()
        await settle(pilot, app, lambda: any("night-shift" in n for n in notifications(app)))


async def test_a_watching_room_is_woken_by_a_request_not_by_looking(
    state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a watch in place a request from the command line wakes the writer room as it lands:
    with its fallback look an hour away, `ack` is still carried out within its 5 s wait."""
    import sys

    import widgets.parts.requests_channel

    monkeypatch.setattr(widgets.parts.requests_channel, "REQUESTS_FALLBACK", 3600.0)
    app = room(state, ManualClock(NOW), watch=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        await settle(pilot, app, app.watching.is_set)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tui", "ack", "T-2", "--state", str(state), "--by", "night-shift",
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await process.communicate()
        assert b"carried out by the room holding the lock" in out, out
        assert "T-2" in app.acks.ids()


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


async def test_reply_to_a_stale_clarification_by_keys(state: Path) -> None:
    from widgets.screens.forms import ReplyScreen

    app = room(state, ManualClock(NOW), watch=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready and app.watching.is_set())
        assert "⚠ 1 stale" in str(app.query_one(StatusBar).visual)
        await pilot.press("2")  # the tickets; T-2 (the stale P0) is first
        assert app.query_one(TicketsTable).selected_key == "tickets/to_operator/T-2.md"
        await pilot.press("R")
        await settle(pilot, app, lambda: isinstance(app.screen, ReplyScreen))
        # The question is above the answer, and a clarification is answered by default.
        assert "Gandi or not?" in str(app.screen.query_one("#form-question").visual)
        assert app.screen.query_one("#reply-status").value == "answer"
        assert "keep: no" in str(app.screen.query_one("#reply-keep").label)
        await pilot.press(*"Gandi.")
        await pilot.press("escape")  # closed: the text is kept as a draft
        await settle(pilot, app, lambda: app.screen is app.main)
        await pilot.press("R")
        await settle(pilot, app, lambda: isinstance(app.screen, ReplyScreen))
        await pilot.press("ctrl+s")
        responses = state / "tickets" / "to_architect"
        await settle(pilot, app, lambda: bool(list(responses.glob("O-*.md"))))
        [written] = list(responses.glob("O-*.md"))
        text = written.read_text()
        assert "in_reply_to: T-2" in text and "Gandi." in text
        assert not (state / "tickets" / "to_operator" / "T-2.md").exists()
        # The room sees the files change: no stale clarification left, the answer listed.
        await settle(pilot, app, lambda: "⚠" not in str(app.query_one(StatusBar).visual))
        await settle(pilot, app, lambda: "O-" in " ".join(table_text(app.query_one(TicketsTable))))
        assert any("Replied to T-2" in n for n in notifications(app))


async def test_archive_three_marked_then_undo_then_file_a_ticket(state: Path) -> None:
    from widgets.screens.actions import ActionsScreen, ActionsTable
    from widgets.screens.forms import NewTicketScreen

    for n in range(3):
        write_ticket(
            state,
            "architect",
            f"A-{n}",
            id=f"A-{n}",
            sender="operator",
            status="done",
            in_reply_to=f"X-{n}",
            created=stamp(40 + n),
        )
    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        app.main.show_role("architect")
        await pilot.pause()
        rows = table_text(app.query_one(TicketsTable))
        targets = [row.split(" | ")[2].strip() for row in rows if "A-" in row]
        assert sorted(targets) == ["A-0", "A-1", "A-2"]
        table = app.query_one(TicketsTable)
        table.focus()
        keys = [f"tickets/to_architect/A-{n}.md" for n in range(3)]
        for key in keys:
            table.move_cursor(row=table.get_row_index(key))
            await pilot.press("space")
        assert set(app.main.marked) == set(keys)
        await pilot.press("x")  # three responses, all in sight: no question
        archive = state / "tickets" / "archive"
        await settle(pilot, app, lambda: len(list(archive.rglob("A-*.md"))) == 3)
        assert not list((state / "tickets" / "to_architect").glob("A-*.md"))
        await pilot.press("u")
        await settle(
            pilot, app, lambda: len(list((state / "tickets" / "to_architect").glob("A-*.md"))) == 3
        )
        assert not list(archive.rglob("A-*.md"))
        await pilot.press("N")
        await settle(pilot, app, lambda: isinstance(app.screen, NewTicketScreen))
        await pilot.press(*"Footer", "tab", *"curl", "tab", *"http://x.ex/")
        await pilot.press("ctrl+s")
        filed = state / "tickets" / "to_architect"  # the first role offered
        await settle(pilot, app, lambda: bool(list(filed.glob("O-*.md"))))
        [ticket] = list(filed.glob("O-*.md"))
        text = ticket.read_text()
        assert "subject: Footer" in text and "deliverable: curl" in text
        assert "verify: http://x.ex/" in text
        await settle(pilot, app, lambda: app.screen is app.main)
        await pilot.press("L")
        await settle(pilot, app, lambda: isinstance(app.screen, ActionsScreen))
        done = [table_text_row(app.screen.query_one(ActionsTable), i) for i in range(3)]
        assert [row.split(" | ")[2].strip() for row in done] == ["file", "undo", "archive"]


def table_text_row(table: object, index: int) -> str:
    return " | ".join(cell.plain for cell in table.get_row_at(index))  # type: ignore[attr-defined]


async def test_a_read_only_room_refuses_to_write_tickets(state: Path) -> None:
    before = sorted(str(p) for p in (state / "tickets").rglob("*"))
    app = room(state, ManualClock(NOW), read_only=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        await pilot.press("2", "R")
        await pilot.press("x", "N")
        await pilot.pause()
        refusals = [
            n for n in notifications(app) if n.startswith("Refused: the room runs with --read-only")
        ]
        assert len(refusals) == 3 and app.screen is app.main
    assert sorted(str(p) for p in (state / "tickets").rglob("*")) == before  # nothing written


async def test_toasts_never_cover_the_header_on_a_big_screen(state: Path) -> None:
    """However many toasts are up, the top two lines stay the room's own."""
    from textual.widgets._toast import Toast

    from tui.view.header import Announcement

    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        for n in range(6):  # six kinds, none merged into another, up for a minute
            text = "a sentence of some length " * 4
            app.announce([Announcement(f"Kind{n}", text, "error", timeout=60)])
        await settle(pilot, app, lambda: len(app.screen.query(Toast)) >= 6)

        def top_lines_clear() -> bool:
            return not any(
                isinstance(app.screen.get_widget_at(x, y)[0], Toast)
                for y in (0, 1)
                for x in range(100)
            )

        def toasts_shown() -> bool:
            return any(isinstance(app.screen.get_widget_at(60, y)[0], Toast) for y in range(30))

        await settle(pilot, app, lambda: toasts_shown() and top_lines_clear())


async def test_on_a_small_screen_a_message_is_one_line_and_m_lists_them(state: Path) -> None:
    from textual.widgets._toast import Toast

    from tui.view.header import Announcement
    from widgets.screens.notices import NoticesScreen

    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        for n in range(6):
            app.announce([Announcement(f"Kind{n}", f"sentence {n} " * 12, "error", timeout=60)])
        await pilot.pause()
        assert not app.screen.query(Toast)  # nothing over the pane being read
        line = app.main.query_one("#notice")
        assert line.display and line.region.height == 1
        said = str(line.visual)
        assert said.startswith(" ✖ Kind5: sentence 5") and said.endswith("…")
        assert len(said) <= 79
        await pilot.press("M")
        await settle(pilot, app, lambda: isinstance(app.screen, NoticesScreen))
        listed = [title for _, _, title, _ in app.screen.notices]  # type: ignore[attr-defined]
        assert [f"Kind{n}" for n in range(6)] == [t for t in listed if t.startswith("Kind")]


def test_the_room_runs_on_the_quiet_input_driver(state: Path) -> None:
    """The driver whose input thread sleeps until a key (driven through a real pseudo-terminal by
    tests/e2e: typing, a lone escape closing help, `q` ending the room)."""
    from textual.drivers.linux_driver import LinuxDriver

    from widgets.parts.driver import QuietLinuxDriver

    app = room(state, ManualClock(NOW))
    assert app.get_driver_class() is QuietLinuxDriver
    assert issubclass(QuietLinuxDriver, LinuxDriver)


async def test_archiving_what_is_hidden_stale_or_a_request_asks_first(state: Path) -> None:
    from widgets.screens.confirm import ConfirmScreen

    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        table = app.query_one(TicketsTable)
        await pilot.press("2")
        for key in ("tickets/to_architect/R-2.md", "tickets/to_operator/T-2.md"):
            table.move_cursor(row=table.get_row_index(key))
            await pilot.press("space")
        assert app.main.marked == {
            "tickets/to_architect/R-2.md": "R-2",
            "tickets/to_operator/T-2.md": "T-2",
        }
        app.main.show_role("architect")  # T-2 (a stale clarification) is now out of sight
        await pilot.pause()
        await pilot.press("x")
        await settle(pilot, app, lambda: isinstance(app.screen, ConfirmScreen))
        question = app.screen.question  # type: ignore[attr-defined]
        assert question.startswith("Archive 2 tickets — 1 hidden by the filter or role (T-2)")
        assert "1 a stale clarification (T-2)" in question
        await pilot.press("n")
        await settle(pilot, app, lambda: app.screen is app.main)
        assert (state / "tickets" / "to_operator" / "T-2.md").exists()
        assert len(app.main.marked) == 2  # kept: nothing was done
        await pilot.press("escape")  # escape clears the marks
        await pilot.pause()
        assert app.main.marked == {}
        # A mark belongs to its ticket: another ticket at the same path is not marked.
        table.focus()
        table.move_cursor(row=table.get_row_index("tickets/to_architect/R-2.md"))
        await pilot.press("space")
        path = state / "tickets" / "to_architect" / "R-2.md"
        path.write_text(path.read_text().replace("id: R-2", "id: R-9"))
        app.request_scan()
        await settle(pilot, app, lambda: any(t.id == "R-9" for t in app.bus.tickets))  # type: ignore[union-attr]
        app.main.refresh_view()
        assert app.main.marked == {}


async def test_the_filter_names_what_it_cannot_read_on_a_line_left_visible(state: Path) -> None:
    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app, lambda: app.ready)
        await pilot.press("slash", *"status:clarfy foo:bar")  # one burst: all of it is typed
        await pilot.pause()
        line = app.main.query_one("#filter-status")
        said = str(line.visual)
        assert said.startswith("filter: unknown status 'clarfy' · unknown field 'foo'"), said
        box = app.main.query_one("#filter")
        assert line.region.height == 1 and not line.region.overlaps(box.region)
        assert table_text(app.query_one(TicketsTable)) == []


async def test_reply_from_the_ticket_view_comes_back_to_it_until_sent(state: Path) -> None:
    from widgets.screens.forms import ReplyScreen

    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app, lambda: app.ready)
        app.main.open_ticket("tickets/to_operator/T-2.md")
        await settle(pilot, app, lambda: isinstance(app.screen, TicketScreen))
        await pilot.press("R")
        await settle(pilot, app, lambda: isinstance(app.screen, ReplyScreen))
        await pilot.press("escape")  # kept as a draft: back to the ticket, not the main screen
        await settle(pilot, app, lambda: isinstance(app.screen, TicketScreen))
        await pilot.press("R")
        await settle(pilot, app, lambda: isinstance(app.screen, ReplyScreen))
        await pilot.press(*"Gandi.", "ctrl+s")
        await settle(pilot, app, lambda: app.screen is app.main)
        await settle(
            pilot, app, lambda: not (state / "tickets" / "to_operator" / "T-2.md").exists()
        )


async def test_colon_commands_go_where_they_say(state: Path) -> None:
    from widgets.screens.note import NoteScreen

    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        await pilot.press("colon")
        await settle(pilot, app, lambda: isinstance(app.screen, NoteScreen))
        await pilot.press(*"inbox operator", "enter")
        await settle(pilot, app, lambda: app.main.selected_role == "operator")
        await pilot.press("colon")
        await settle(pilot, app, lambda: isinstance(app.screen, NoteScreen))
        await pilot.press(*"incidents", "enter")
        await settle(pilot, app, lambda: app.main.current == "incidents")
        said = app.main.run_command("inbox nobody") or ""
        assert said.startswith("No inbox 'nobody': one of architect, operator")
        assert (app.main.run_command("bogus") or "").startswith("Unknown command 'bogus'")


async def test_an_open_hat_switch_is_in_the_header_and_the_intents_view(state: Path) -> None:
    folder = state / "intents"
    folder.mkdir()
    (folder / "sw.md").write_text(
        "---\nrole: operator\nacting_as: pm-bakery\nreason: webhook down\n"
        f"created: {stamp(150)}\n---\nundo: nothing\n"
    )
    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, app, lambda: app.ready)
        header = str(app.query_one(StatusBar).visual)
        assert "1 hat switch: operator acting as pm-bakery since" in header
        await pilot.press("I")
        await settle(pilot, app, lambda: type(app.screen).__name__ == "IntentsScreen")
        from widgets.screens.intents import IntentsTable

        [row] = table_text(app.screen.query_one(IntentsTable))
        assert "OVERDUE" in row and "operator → pm-bakery" in row and "open 2h30m" in row
        await pilot.press("escape")
        await settle(pilot, app, lambda: app.screen is app.main)


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

    (root / "sisyphus.toml").write_text(
        '[room]\nprobe_interval = "5m"\n[[sites]]\nname = "shop"\nurl = "http://127.0.0.1:9/"\n'
    )
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
