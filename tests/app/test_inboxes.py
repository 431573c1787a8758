"""The inboxes and the tickets: shown, moved through, filtered, opened, watched live."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from textual.widgets import Static

from tests.app.support import notifications, room, settle, table_text
from tests.helpers import NOW, stamp, write_intent, write_raw, write_ticket
from tui.base.clock import ManualClock
from tui.bus.tickets import Ticket
from widgets.panes.header import StatusBar
from widgets.panes.inboxes import RolesTable, TicketsTable
from widgets.screens.ticket import TicketScreen


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


async def test_an_open_hat_switch_is_in_the_header_and_the_intents_view(state: Path) -> None:
    write_intent(
        state, "sw.md", role="operator", acting_as="pm-bakery", reason="webhook down",
        created=stamp(150),
    )  # fmt: skip
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


async def test_names_in_the_hat_switches_are_whole_at_80x24(state: Path) -> None:
    """A `fit` column keeps its names whole on a small screen; the flexible one gives way (the
    fit column's own nominal width was once counted twice, and the names cut to 8 columns)."""
    from widgets.screens.intents import IntentsTable

    write_intent(
        state, "sw.md", role="operator", acting_as="pm-memorial-a", reason="webhook down",
        created=stamp(30),
    )  # fmt: skip
    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app, lambda: app.ready)
        await pilot.press("I")
        await settle(pilot, app, lambda: bool(app.screen.query(IntentsTable)))
        await pilot.pause()
        table = app.screen.query_one(IntentsTable)
        [row] = table_text(table)  # type: ignore[arg-type]
        assert "operator → pm-memorial-a" in row
        drawn = table.columns["who"].width  # type: ignore[index]
        assert drawn >= len("operator → pm-memorial-a")  # as drawn: not cut
