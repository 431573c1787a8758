"""Enter on a row of the main screen: an inbox's tickets, a ticket (read in a worker, opened
where it is now, escape back to where it was opened from), a site's budgets or probes, an
incident's record."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.widgets import DataTable

from tui.base.clock import iso
from tui.bus.scanner import BusSnapshot, find_archived
from tui.ops.outcomes import OpsView
from tui.ops.suspects import about
from tui.view.budgets import budget_detail
from tui.view.incidents import incident_record
from tui.view.ticket import build_detail
from widgets.panes.inboxes import RolesTable
from widgets.parts.messages import BudgetDetailReady, DetailReady
from widgets.screens.room_screen import RoomScreen

if TYPE_CHECKING:
    pass


class RowOpening(RoomScreen):
    """What enter opens on the main screen's rows (mixed into MainScreen)."""

    bus: BusSnapshot | None
    ops: OpsView
    selected_role: str
    detail_path: str | None
    _back: Callable[[], None] | None

    if TYPE_CHECKING:  # the main screen's

        def refresh_view(self, now: datetime | None = None) -> None: ...

        def show_pane(self, pane: str) -> None: ...

    @on(DataTable.RowHighlighted, "#roles")
    def _role_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key and key != self.selected_role:
            self.selected_role = key
            self.refresh_view()

    @on(DataTable.RowSelected, "#roles")
    def _role_selected(self, event: DataTable.RowSelected) -> None:
        self.show_pane("tickets")

    def show_role(self, role: str) -> None:
        self.selected_role = role
        self.query_one(RolesTable).select_key(role)
        self.refresh_view()
        self.show_pane("tickets")

    @on(DataTable.RowSelected, "#tickets")
    def _ticket_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.open_ticket(event.row_key.value)

    @work(thread=True, group="detail", exclusive=True, exit_on_error=False)
    def open_ticket(self, path: str, back: Callable[[], None] | None = None) -> None:
        """The ticket view of `path`; a delivery's ticket archived since it was seen is opened
        where it is now. `back` is what escape returns to (the list it was opened from)."""
        room = self.room
        delivery = next((d for d in self.ops.deliveries if d.path == path), None)
        if delivery is not None and not (room.root / path).exists():
            found = find_archived(room.root / "tickets" / "archive", delivery.ticket)
            if found is not None:
                path = found.relative_to(room.root).as_posix()
        self._back = back
        detail = build_detail(
            room.root,
            path,
            self.bus,
            room.clock(),
            room.config.stale_after,
            room.acks.ids(),
            delivery,
        )
        self.post_message(DetailReady(detail))

    def open_from_thread(self, path: str) -> None:
        """A thread line's ticket, opened from the ticket view just closed: escape in it comes
        back to that ticket, and from there to where that one was opened from."""
        previous, back = self.detail_path, self._back
        self.detail_path = None

        def reopen() -> None:
            if previous is not None:
                self.open_ticket(previous, back)

        self.open_ticket(path, reopen)

    @on(DetailReady)
    def _detail_ready(self, message: DetailReady) -> None:
        from widgets.screens.ticket import TicketScreen  # Markdown is heavy: loaded on first use

        self.detail_path = message.detail.path
        self.app.push_screen(TicketScreen(message.detail, self.room.tones), self._closed_detail)

    def _closed_detail(self, _: object = None) -> None:
        self.detail_path = None
        back, self._back = self._back, None
        if back is not None:
            back()

    @on(DataTable.RowSelected, "#budget-grid")
    def _budget_selected(self, event: DataTable.RowSelected) -> None:
        self._read_budget_detail(event.row_key.value or "")

    @work(thread=True, group="detail", exclusive=True, exit_on_error=False)
    def _read_budget_detail(self, site: str) -> None:
        """The trends are read from the history under the engine's lock, in a worker."""
        now = self.room.clock()
        statuses = [s for s in self.ops.budget.statuses if s.site == site]
        operations = self.room.operations
        trends = operations.budget_trends(site, now)
        lifts = self.ops.budget.lifts_at
        apart = {s.name: operations.apart_bad(s, now) for s in statuses}
        detail = budget_detail(site, statuses, trends, lifts, apart, self.ops.incidents)
        self.post_message(BudgetDetailReady(detail))

    @on(BudgetDetailReady)
    def _budget_detail_ready(self, message: BudgetDetailReady) -> None:
        from widgets.screens.budget import BudgetScreen

        self.app.push_screen(BudgetScreen(message.detail, self.room.tones))

    @on(DataTable.RowSelected, "#sites")
    def _site_selected(self, event: DataTable.RowSelected) -> None:
        from widgets.screens.site import SiteScreen

        name = event.row_key.value or ""
        latest = [(r.check, r.ok, r.detail) for r in self.ops.results if r.site == name]
        history = self.room.operations.site_history(name)[-200:]
        project = next((s.project for s in self.room.config.sites if s.name == name), None)
        done = [
            (iso(t.created) or "", f"{t.id} {t.sender}: {t.subject}")
            for t in (self.bus.tickets if self.bus else ())
            if t.status == "done" and about(t, name, project)
        ]
        self.app.push_screen(SiteScreen(name, latest, history, self.room.tones, done))

    @on(DataTable.RowSelected, "#incidents-table")
    def _incident_selected(self, event: DataTable.RowSelected) -> None:
        from widgets.screens.incident import IncidentScreen

        incident = self.ops.incident(event.row_key.value or "")
        if incident is not None:
            record = incident_record(incident, self.ops.kb)
            self.app.push_screen(
                IncidentScreen(incident.id, incident.state, record, self.room.tones)
            )
