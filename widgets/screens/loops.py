"""Closing the loops from the main screen: reply (R), archive (space, x), undo (u), new ticket
(N) and the actions view (L). The writes run in workers through `tui.bus.writing`; every one is
refused in a room that may not write tickets, and recorded in `.room/actions.jsonl`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual import work

from tui.base.paths import room_dir
from tui.base.sanitize import clean, shorten
from tui.bus import writing
from tui.bus.scanner import BusSnapshot, is_stale
from tui.bus.tickets import Ticket, read_body
from tui.ops import audit
from tui.ops.deliveries import verify_of
from widgets.panes.inboxes import TicketsTable
from widgets.parts.drafts import Form
from widgets.screens.room_screen import RoomScreen

if TYPE_CHECKING:
    pass


class LoopActions(RoomScreen):
    """The main screen's closing-loop keys (mixed into MainScreen)."""

    bus: BusSnapshot | None
    marked: dict[str, str]  # path → the id of the ticket marked there
    shown: set[str]  # the paths of the ticket rows on screen
    drafts: dict[str, Form]
    new_draft: Form
    undo_stack: list[list[writing.Archived]]

    if TYPE_CHECKING:  # the main screen's

        def refresh_view(self, now: datetime | None = None) -> None: ...

    def _ticket_at(self, path: str | None) -> Ticket | None:
        if self.bus is None or path is None:
            return None
        return next((t for t in self.bus.tickets if t.path == path), None)

    def _refused(self) -> bool:
        """True (and said) when this room may not write tickets."""
        why = self.room.why_no_ticket_writes()
        if why:
            self.notify(f"Refused: {why}.", severity="error", timeout=6, markup=False)
        return why is not None

    def action_reply(self, path: str | None = None, from_view: bool = False) -> None:
        ticket = self._ticket_at(path or self.query_one(TicketsTable).selected_key)
        if ticket is None:
            self.notify("Select a ticket to answer (R).", severity="warning", timeout=4)
            return
        if self._refused():
            return
        room = self.room
        seen = writing.version_of(room.root / ticket.path)
        now = room.clock()

        def preview(form: Form) -> str:
            header = writing.reply_header(
                ticket, form.status, room.config.owner, now, "(a fresh id when sent)"
            )
            then = (
                f"{ticket.path} stays in its inbox"
                if form.keep
                else f"{ticket.path} → tickets/archive/{now:%Y-%m}/"
            )
            return f"→ tickets/to_{ticket.sender}/<id>.md, then {then}\n" + writing.render(
                header, form.body
            )

        def answered(form: Form | None) -> None:
            if form is None:
                return
            self.drafts[ticket.path] = form  # kept until it is written
            if form.sent:
                if from_view:  # the ticket view under the form: answered, it leaves
                    self.app.pop_screen()
                self._send_reply(ticket, form, seen)

        title = f"{ticket.id} · {clean(ticket.subject)} · from {ticket.sender} ({ticket.status})"
        # A clarification asks for an answer: that is the form's first choice for one.
        fresh = Form(status="answer" if ticket.status == "needs_clarification" else "done")
        body = read_body(room.root, room.root / (ticket.file or ticket.path))
        question = shorten(clean(body, multiline=True).strip(), 1500)
        from widgets.screens import forms  # Textual's text area: loaded when a form opens

        self.app.push_screen(
            forms.ReplyScreen(title, self.drafts.get(ticket.path, fresh), preview, question),
            answered,
        )

    @work(thread=True, group="write", exit_on_error=False)
    def _send_reply(self, ticket: Ticket, form: Form, seen: writing.Version | None) -> None:
        room, now = self.room, self.room.clock()
        try:
            done = writing.reply(
                room.root,
                ticket,
                form.status,
                form.body,
                room.config.owner,
                now,
                keep=form.keep,
                seen=seen,
            )
        except writing.HalfDone as exc:
            written = str(exc.path.relative_to(room.root))
            audit.record(
                room_dir(room.root), now, "reply", id=ticket.id, status=form.status,
                path=written, half_done=True,
            )  # fmt: skip
            self.app.call_from_thread(self._acted, f"Reply half done: {exc}", False)
            return
        except (writing.Refused, writing.BadInput) as exc:
            self.app.call_from_thread(
                self._acted, f"Reply not sent: {exc} (your text is kept: R)", False
            )
            return
        paths = {"path": str(done.path.relative_to(room.root))}
        if done.archived is not None:
            paths["archived"] = str(done.archived.target.relative_to(room.root))
        audit.record(room_dir(room.root), now, "reply", id=ticket.id, status=form.status, **paths)
        said = f"Replied to {ticket.id}: {paths['path']}" + (
            f"; {ticket.id} archived (u undoes)" if done.archived else ""
        )
        moved = [done.archived] if done.archived is not None else []
        self.app.call_from_thread(self._acted, said, True, moved, ticket.path)

    def _acted(
        self,
        message: str,
        ok: bool,
        moved: list[writing.Archived] | None = None,
        sent: str | None = None,
    ) -> None:
        """What a write did, on the main thread: said, its moves kept for undo, a sent reply's
        draft dropped (workers never change the screen's state themselves)."""
        if moved:
            self.undo_stack.append(moved)
        if sent is not None:
            self.drafts.pop(sent, None)
        self.notify(message, severity="information" if ok else "error", timeout=8, markup=False)
        self.room.request_scan(archive=True)

    def action_mark(self) -> None:
        path = self.query_one(TicketsTable).selected_key
        ticket = self._ticket_at(path)
        if ticket is None or path is None:
            return
        if path in self.marked:
            del self.marked[path]
        else:
            self.marked[path] = ticket.id  # a mark belongs to this ticket, not to its row
        self.refresh_view()
        self.query_one(TicketsTable).action_cursor_down()

    def action_archive(self) -> None:
        selected = self.query_one(TicketsTable).selected_key
        paths = sorted(self.marked) or ([selected] if selected else [])
        tickets = [t for t in (self._ticket_at(p) for p in paths) if t is not None]
        if not tickets:
            self.notify("Select a ticket (or mark several with space) to archive.", timeout=4)
            return
        if self._refused():
            return
        question = self._archive_question(tickets)
        if question is None:
            self.marked.clear()
            self._archive(tickets)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.marked.clear()
                self._archive(tickets)
            else:
                self.notify("Nothing archived.", timeout=4)

        from widgets.screens.confirm import ConfirmScreen

        self.app.push_screen(ConfirmScreen(question), answered)

    def _archive_question(self, tickets: list[Ticket]) -> str | None:
        """What to ask before archiving tickets the person may not mean: hidden by the filter
        or the role chosen, a stale clarification (its alarm would go quietly), or no response
        (an open request nobody answered). None when every one is a response in sight."""
        now = self.room.clock()
        hidden = [t for t in tickets if t.path not in self.shown]
        stale = [t for t in tickets if is_stale(t, now, self.room.config.stale_after)]
        requests = [t for t in tickets if not t.is_response and t not in stale]
        parts = []
        if hidden:
            parts.append(f"{len(hidden)} hidden by the filter or role ({_ids(hidden)})")
        if stale:
            parts.append(f"{len(stale)} a stale clarification ({_ids(stale)})")
        if requests:
            parts.append(f"{len(requests)} an open request, not a response ({_ids(requests)})")
        if not parts:
            return None
        s = "s" if len(tickets) != 1 else ""
        return f"Archive {len(tickets)} ticket{s} — {', '.join(parts)}?"

    @work(thread=True, group="write", exit_on_error=False)
    def _archive(self, tickets: list[Ticket]) -> None:
        room, now = self.room, self.room.clock()
        moved: list[writing.Archived] = []
        problems = []
        for ticket in tickets:
            try:
                moved.append(writing.archive(room.root, ticket, now))
            except writing.Refused as exc:
                problems.append(str(exc))
        if moved:
            audit.record(
                room_dir(room.root),
                now,
                "archive",
                ids=[a.ticket for a in moved],
                paths=[str(a.target.relative_to(room.root)) for a in moved],
            )
        names = ", ".join(a.ticket for a in moved)
        said = f"Archived {len(moved)}: {names} (u undoes)" if moved else "Nothing archived"
        if problems:
            said += "; refused: " + "; ".join(problems)
        self.app.call_from_thread(self._acted, said, not problems, moved)

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.notify("Nothing to undo: no archive move since the room started.", timeout=4)
            return
        if self._refused():
            return
        self._undo(self.undo_stack.pop())

    @work(thread=True, group="write", exit_on_error=False)
    def _undo(self, moves: list[writing.Archived]) -> None:
        back, problems = [], []
        for move in reversed(moves):
            try:
                writing.undo(move)
                back.append(move.ticket)
            except writing.Refused as exc:
                problems.append(str(exc))
        if back:
            audit.record(room_dir(self.room.root), self.room.clock(), "undo", ids=back)
        said = f"Back in the inbox: {', '.join(back)}" if back else "Nothing moved back"
        if problems:
            said += "; " + "; ".join(problems)
        self.app.call_from_thread(self._acted, said, not problems)

    def action_new_ticket(self) -> None:
        if self._refused():
            return
        room = self.room
        roles = sorted(set(room.config.roles) | set(self.bus.roles if self.bus else ()))
        if not roles:
            self.notify("No role to write to: add roles in sisyphus.toml.", severity="warning")
            return
        now = room.clock()

        def preview(form: Form) -> str:
            header = writing.new_header(
                form.role or roles[0],
                form.subject,
                room.config.owner,
                now,
                "(a fresh id when sent)",
                form.priority,
                form.deliverable or None,
                form.verify or None,
            )
            return f"→ tickets/to_{form.role or roles[0]}/<id>.md\n" + writing.render(
                header, form.body
            )

        def answered(form: Form | None) -> None:
            if form is None:
                return
            self.new_draft = form
            if form.sent:
                self._file(form)

        from widgets.screens import forms

        self.app.push_screen(forms.NewTicketScreen(roles, self.new_draft, preview), answered)

    @work(thread=True, group="write", exit_on_error=False)
    def _file(self, form: Form) -> None:
        room, now = self.room, self.room.clock()
        if form.verify and verify_of({"url": form.verify}) is None:
            self.app.call_from_thread(
                self._acted, f"Not sent: verify {form.verify!r} is no http(s) URL (N)", False
            )
            return
        try:
            path = writing.file_ticket(
                room.root,
                form.role,
                form.subject,
                room.config.owner,
                now,
                priority=form.priority,
                deliverable=form.deliverable or None,
                verify=form.verify or None,
                body=form.body,
            )
        except (writing.Refused, ValueError) as exc:
            self.app.call_from_thread(self._acted, f"Not sent: {exc} (your text is kept: N)", False)
            return
        relative = str(path.relative_to(room.root))
        audit.record(room_dir(room.root), now, "file", to=form.role, path=relative)
        self.app.call_from_thread(self._filed, f"Filed to {form.role}: {relative}")

    def _filed(self, message: str) -> None:
        self.new_draft = Form()  # on the main thread, as every change of the screen's state
        self._acted(message, True)

    def action_actions(self) -> None:
        from widgets.screens.actions import ActionsScreen

        rows = audit.rows(room_dir(self.room.root))
        self.app.push_screen(ActionsScreen(rows, self.room.tones))


def _ids(tickets: list[Ticket]) -> str:
    return ", ".join(t.id for t in tickets[:3]) + (" …" if len(tickets) > 3 else "")
