"""Closing the loops by keys: reply, archive with a question first, undo, new ticket, refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.app.support import notifications, room, settle, table_text, table_text_row
from tests.helpers import NOW, stamp, write_ticket
from tui.base.clock import ManualClock
from widgets.panes.header import StatusBar
from widgets.panes.inboxes import TicketsTable
from widgets.screens.ticket import TicketScreen


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
        # The moves are on disk before the worker's word reaches the screen: `u` is pressed once
        # the room says "Archived 3 … (u undoes)", as a person would (on a loaded machine the
        # word can come after the files).
        await settle(pilot, app, lambda: any("(u undoes)" in n for n in notifications(app)))
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
