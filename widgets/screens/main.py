"""The main screen: the panes, their keys and what opens from them.

It renders what the app routes to it (the bus, the operations' view, the round under way) and
posts or asks for what a person does. It reads only frozen values: nothing it holds is changed by
another thread.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input

from tui.base.sanitize import clean
from tui.bus import writing
from tui.bus.filter import Filter, parse_filter
from tui.bus.scanner import BusSnapshot, is_stale
from tui.ops.checks import ProbeResult
from tui.ops.outcomes import OpsView
from widgets.panes.budgets import BudgetsPane
from widgets.panes.header import StatusBar
from widgets.panes.inboxes import ALL_ROLES, RolesTable, TicketsTable
from widgets.panes.incidents import IncidentsPane, IncidentsTable
from widgets.panes.probes import ProbesPane
from widgets.parts.drafts import Form
from widgets.parts.keyline import KeyLine
from widgets.parts.messages import IncidentAction
from widgets.parts.quiet import QuietText
from widgets.screens.help import open_help
from widgets.screens.layout import PaneLayout
from widgets.screens.loops import LoopActions
from widgets.screens.note import NoteScreen
from widgets.screens.opening import RowOpening
from widgets.screens.refresh import PaneRefresh
from widgets.screens.room_screen import RoomScreen
from widgets.screens.views import ViewKeys

if TYPE_CHECKING:
    pass

TICK = 30.0  # seconds between age refreshes; stale transitions get their own exact timer


class MainScreen(PaneRefresh, ViewKeys, RowOpening, LoopActions, PaneLayout, RoomScreen):
    HELP_TITLE = "The room"
    ENTER_OPENS = "open the row: an inbox's tickets, a ticket, a site, a budget, an incident"
    BINDINGS: ClassVar = [
        Binding("slash", "filter", "Filter", id="main.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="main.clear-filter"),
        Binding("a", "ack", "Acknowledge", id="main.ack"),
        Binding("s", "stale", "Stale list", id="main.stale"),
        Binding("r", "rescan", "Rescan", show=False, id="main.rescan"),
        Binding("1", "focus_pane('roles')", "Inboxes", show=False, id="main.pane-inboxes"),
        Binding("2", "focus_pane('tickets')", "Tickets", show=False, id="main.pane-tickets"),
        Binding("3", "focus_pane('probes')", "Probes", show=False, id="main.pane-probes"),
        Binding("4", "focus_pane('budgets')", "Budgets", show=False, id="main.pane-budgets"),
        Binding("5", "focus_pane('incidents')", "Incidents", show=False, id="main.pane-incidents"),
        Binding("6", "deliveries", "Deliveries", show=False, id="main.deliveries"),
        Binding("7", "flow", "Flow", show=False, id="main.flow"),
        Binding("R", "reply", "Reply", id="main.reply"),
        Binding("x", "archive", "Archive", show=False, id="main.archive"),
        Binding("space", "mark", "Mark", show=False, id="main.mark"),
        Binding("u", "undo", "Undo archive", show=False, id="main.undo"),
        Binding("N", "new_ticket", "New ticket", show=False, id="main.new"),
        Binding("L", "actions", "Actions", show=False, id="main.actions"),
        Binding("W", "take_over", "Take over", show=False, id="main.take-over"),
        Binding("M", "notices", "Messages", show=False, id="main.notices"),
        Binding("I", "intents", "Hat switches", show=False, id="main.intents"),
        Binding("colon", "command_line", "Command", show=False, id="main.command"),
        Binding("tab", "next_pane(1)", "Next pane", show=False, id="main.next-pane"),
        Binding("shift+tab", "next_pane(-1)", "Previous pane", show=False, id="main.previous-pane"),
    ]

    # The only actions of this screen that may run, whatever asks (a key, a click, a link).
    ALLOWED_ACTIONS: ClassVar = frozenset(
        {"filter", "clear_filter", "ack", "stale", "rescan", "focus_pane", "next_pane", "help"}
        | {
            "deliveries",
            "reply",
            "archive",
            "mark",
            "undo",
            "new_ticket",
            "actions",
            "take_over",
            "notices",
            "intents",
            "flow",
            "command_line",
        }
        | {"focus_next", "focus_previous", "maximize", "minimize"}
    )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action in self.ALLOWED_ACTIONS

    def __init__(self) -> None:
        super().__init__()
        self.marked: dict[str, str] = {}  # path → id of the tickets marked with space (for x)
        self.shown: set[str] = set()  # the paths of the ticket rows on screen
        self._notice_timer: Any = None
        self._back: Callable[[], None] | None = None  # where escape in a ticket view returns
        self.drafts: dict[str, Form] = {}  # typed replies not sent yet, by ticket path
        self.new_draft = Form()
        self.undo_stack: list[list[writing.Archived]] = []  # archive moves made since start
        self.bus: BusSnapshot | None = None
        self.reading = True  # the first scan has not read every inbox yet
        self.ops = OpsView()
        self.arrived: dict[tuple[str | None, str], ProbeResult] = {}  # the round under way
        self.waiting: frozenset[str] = frozenset()
        self.selected_role = ALL_ROLES
        self.filter = Filter()
        self.filter_text = ""
        self.detail_path: str | None = None
        self.current = "roles"  # the pane shown alone on a small screen (below 100×30)
        self.counts: dict[str, str] = {}  # pane → its short count, for the one-line summary
        self._stale_timer: Any = None

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield QuietText(id="freeze-banner")
        yield QuietText(id="pane-summary")  # small screens: one pane at a time, this line for all
        with Horizontal(id="top"):
            with Vertical(id="roles-pane", classes="pane") as roles:
                roles.border_title = "Inboxes"
                yield RolesTable(id="roles")
            with Vertical(id="tickets-pane", classes="pane") as tickets:
                tickets.border_title = "Tickets"
                yield TicketsTable(id="tickets")
                yield QuietText(id="filter-status")
                yield Input(
                    placeholder="filter: words, role:x status:stale priority:P0 from:x", id="filter"
                )
        with Horizontal(id="bottom"):
            for pane, cls, title in (
                ("probes", ProbesPane, "Probes"),
                ("budgets", BudgetsPane, "Error budgets"),
                ("incidents", IncidentsPane, "Incidents"),
            ):
                widget = cls(id=pane, classes="pane")
                widget.border_title = title
                yield widget
        yield QuietText(id="notice")  # docked above the keys
        yield KeyLine()

    def on_mount(self) -> None:
        self.show_pane("roles")
        self.room.start(self)

    # ------------------------------------------------------------ what the app routes here

    def show_bus(self, bus: BusSnapshot, *, reading: bool) -> None:
        self.bus, self.reading = bus, reading
        self.refresh_ages()

    def show_ops(self, ops: OpsView) -> None:
        """A round ended, an incident changed: every operations pane from the new view."""
        self.ops = ops
        self.arrived, self.waiting = {}, frozenset()
        if not self.query(ProbesPane):  # the room is coming down: its panes are already gone
            return
        with self.app.batch_update():
            self.refresh_probes()
            self.refresh_budgets()
            self.refresh_incidents()
            self.refresh_view()  # the header names a freeze and the open incidents

    def show_arrived(self, results: list[ProbeResult], waiting: frozenset[str]) -> None:
        """Results of the round under way, shown as they arrive."""
        self.arrived.update({(r.site, r.check): r for r in results})
        self.waiting = waiting
        self.refresh_probes()

    # ------------------------------------------------------------ time

    def refresh_ages(self) -> None:
        """The clock moved (or the bus changed): stale announcements, ages, the next wake-up."""
        if self.bus is None:
            return
        now = self.room.clock()
        keeper = self.room.keeper
        raised, wake = keeper.scanned(self.bus.tickets, self.room.acks.ids(), now)
        self.room.tell(raised + keeper.deliveries_due(self.ops.deliveries, now))
        if any(i.state == "triggered" for i in self.ops.incidents):
            self.room.escalate()  # the clock moved: a rung may be due with no round to ask
        self.refresh_view(now)
        self.refresh_incidents(now)
        if self._stale_timer is not None:
            self._stale_timer.stop()
            self._stale_timer = None
        if wake is not None:
            delay = max((wake - now).total_seconds() + 0.5, 0.5)
            if delay < TICK:
                self._stale_timer = self.set_timer(delay, self.refresh_ages, name="stale")

    # ------------------------------------------------------------ keys

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.set_class(True, "-shown")
        box.styles.display = "block"  # now, not at the next refresh: the keys typed right after
        self.set_focus(box)  # `/` (a burst over SSH) go to the filter, not to the room's keys

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = clean(event.value)
        self.filter = parse_filter(event.value)
        self.refresh_view()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.query_one(TicketsTable).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if self.marked:  # escape clears the marks too
            self.marked.clear()
            self.notify("Marks cleared.", timeout=3)
            if not box.has_class("-shown") and self.filter.empty:
                self.refresh_view()
                return
        if not box.has_class("-shown") and self.filter.empty:
            return
        box.value = ""
        box.set_class(False, "-shown")
        box.styles.display = "none"
        self.filter = Filter()
        self.filter_text = ""
        self.refresh_view()
        self.query_one(TicketsTable).focus()

    def action_stale(self) -> None:
        box = self.query_one("#filter", Input)
        box.set_class(True, "-shown")
        box.value = "status:stale"
        self.show_role(ALL_ROLES)

    @property
    def small(self) -> bool:
        size = self.app.size  # the breakpoints' own limits (RoomApp), known before the classes
        return size.width < 100 or size.height < 30

    def show_notice(self, text: Text, timeout: float) -> None:
        """A message on one line above the keys, for `timeout` seconds (small screens)."""
        line = self.query_one("#notice", QuietText)
        line.show(text, layout=False)
        line.add_class("-shown")
        if self._notice_timer is not None:
            self._notice_timer.stop()
        self._notice_timer = self.set_timer(timeout, lambda: line.remove_class("-shown"))

    def action_rescan(self) -> None:
        self.room.request_scan(archive=True)
        self.notify("Reading every inbox again.", timeout=2)

    def action_help(self) -> None:
        open_help(self.app)

    def action_ack(self) -> None:
        """Acknowledge the selected firing incident, or the selected (or open) stale ticket."""
        focused = self.app.focused
        if isinstance(focused, IncidentsTable) and focused.selected_key:
            incident = self.ops.incident(focused.selected_key)
            if incident is not None and incident.state == "triggered":

                def answered(note: str | None) -> None:
                    if note is not None:
                        self.post_message(IncidentAction("ack", incident.id, note))

                self.app.push_screen(
                    NoteScreen("Acknowledge: a note (e.g. “applied KB entry <id>”), or empty"),
                    answered,
                )
                return
        self.acknowledge_ticket(self.detail_path or self.query_one(TicketsTable).selected_key)

    @work(thread=True, group="ack", exit_on_error=False)
    def _ack_through_watcher(self, ticket_id: str) -> None:
        """The request left for the watcher; what came of leaving it is said (a full disk, a
        folder that cannot be written: the acknowledgement did not leave)."""
        said = self.room.send_to_watcher("ack", ticket_id, "")
        failed = said.startswith("Not sent")
        self.app.call_from_thread(
            self.notify, said, severity="error" if failed else "information", markup=False
        )

    def acknowledge_ticket(self, path: str | None) -> bool:
        """Acknowledge the stale ticket at `path`; False (and a word why) when it is not one."""
        if self.bus is None:
            return False
        room, now = self.room, self.room.clock()
        ticket = next((t for t in self.bus.tickets if t.path == path), None)
        if ticket is None or not is_stale(ticket, now, room.config.stale_after):
            self.notify(
                "Only a stale clarification needs an acknowledgement: select one (s lists them).",
                severity="warning",
                timeout=4,
            )
            return False
        if room.watcher is not None:
            self._ack_through_watcher(ticket.id)
            self.notify(f"Acknowledging {ticket.id} through the watcher…", markup=False)
            return True
        problem = room.acks.acknowledge(ticket.id, getpass.getuser(), now)
        where = "in memory only (read-only)" if room.read_only_reason else "kept in .room/acks.json"
        self.notify(
            f"Acknowledged {ticket.id}: no more reminders while it waits ({problem or where}).",
            severity="warning" if problem else "information",
            markup=False,
        )
        self.refresh_view(now)
        return True
