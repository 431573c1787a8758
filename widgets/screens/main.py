"""The main screen: the panes, their keys and what opens from them.

It renders what the app routes to it (the bus, the operations' view, the round under way) and
posts or asks for what a person does. It reads only frozen values: nothing it holds is changed by
another thread.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input

from tui.base.sanitize import clean
from tui.bus import writing
from tui.bus.filter import Filter, parse_filter
from tui.bus.scanner import BusSnapshot, is_stale, stale_tickets
from tui.ops.engine import OpsView
from tui.ops.probes import ProbeResult
from tui.view.budgets import budgets_summary
from tui.view.header import (
    HeaderView,
    freeze_banner,
    open_hats,
    probes_note,
    sites_down,
    watcher_piece,
)
from tui.view.inboxes import inboxes_title, role_rows, ticket_rows
from tui.view.incidents import incident_record, incidents_summary
from tui.view.probes import platform_cells, site_rows
from widgets.panes.budgets import BudgetsPane
from widgets.panes.header import StatusBar
from widgets.panes.inboxes import ALL_ROLES, RolesTable, TicketsTable
from widgets.panes.incidents import IncidentsPane, IncidentsTable
from widgets.panes.probes import ProbesPane, SitesTable
from widgets.parts.keyline import KeyLine
from widgets.parts.messages import IncidentAction
from widgets.parts.quiet import QuietText, set_title
from widgets.screens.forms import Form
from widgets.screens.help import open_help
from widgets.screens.layout import PaneLayout
from widgets.screens.loops import LoopActions
from widgets.screens.note import NoteScreen
from widgets.screens.opening import RowOpening
from widgets.screens.views import ViewKeys

if TYPE_CHECKING:
    from tui.app import RoomApp

TICK = 30.0  # seconds between age refreshes; stale transitions get their own exact timer


class MainScreen(ViewKeys, RowOpening, LoopActions, PaneLayout, Screen[None]):
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

    @property
    def room(self) -> RoomApp:
        return self.app  # type: ignore[return-value]

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
        due, wake = self.room.stale_watch.step(self.bus.tickets, self.room.acks.ids(), now)
        self.room.announce_stale(due, now)
        self.room.announce_deliveries(self.ops, now)
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

    # ------------------------------------------------------------ panes

    def refresh_view(self, now: datetime | None = None) -> None:
        if self.bus is None:
            return
        room, bus, tones = self.room, self.bus, self.room.tones
        now = now or room.clock()
        acked = room.acks.ids()
        stale = stale_tickets(bus.tickets, now, room.config.stale_after)
        with self.app.batch_update():
            header = HeaderView(
                root=str(room.root),  # the demo's too: drop a ticket in and watch it arrive
                stale=len(stale),
                acked=sum(1 for t in stale if t.id in acked),
                malformed=len(bus.malformed),
                read_only=room.read_only_reason,
                watched=watcher_piece(room.watcher, now) if room.watcher else None,
                unwatched=room.writer and room.probing and bool(room.config.sites),
                channels_failing=room.channels_failing,
                not_live=len(self.ops.not_live),
                demo=room.demo is not None,
                problems=bus.problems,
                incidents=len(self.ops.open_incidents),
                freeze=self.ops.budget.freeze,
                down=tuple(s for s in sites_down(self.ops.results) if s not in self.ops.quiet),
                hats=open_hats(bus.intents),
                maintenance=tuple(w.words() for w in self.ops.windows if w.active(now)),
                hats_overdue=sum(
                    1 for i in bus.intents if i.overdue(now, room.config.intent_after)
                ),
            )
            self.query_one(StatusBar).render_header(header, tones)
            self.query_one(RolesTable).render_rows(
                role_rows(bus, now, room.config.stale_after), tones
            )
            role = None if self.selected_role == ALL_ROLES else self.selected_role
            not_live = {d.path for d in self.ops.not_live}
            present = {t.path: t.id for t in bus.tickets}
            self.marked = {  # a mark whose ticket left (or whose path another took) is dropped
                path: tid for path, tid in self.marked.items() if present.get(path) == tid
            }
            rows, matched = ticket_rows(
                bus,
                role,
                now,
                room.config.stale_after,
                acked,
                self.filter,
                not_live,
                set(self.marked),
            )
            self.shown = {row.key for row in rows}
            self.query_one(TicketsTable).render_rows(rows, tones)
            where = "every inbox" if role is None else f"to_{role}"
            title = f"Tickets · {where} · {len(rows)}" + (
                f" of {matched}" if matched > len(rows) else ""
            )
            set_title(
                self.query_one("#tickets-pane"),
                title + (" · still reading…" if self.reading else ""),
            )
            self._show_filter_status(len(rows), matched)
            set_title(self.query_one("#roles-pane"), inboxes_title(bus, now))
            self.counts["roles"], self.counts["tickets"] = str(len(bus.roles)), str(len(rows))
            self.refresh_summary()

    def _show_filter_status(self, shown: int, matched: int) -> None:
        status = self.query_one("#filter-status", QuietText)
        if self.filter.empty and not self.filter.problems:
            status.set_class(False, "-shown")
            return
        tones = self.room.tones
        if self.filter.problems:  # what it cannot read comes first: it is why nothing shows
            text = Text("filter: ", style=tones.muted)
            text.append(" · ".join(self.filter.problems), style=tones.warning)
            text.append(" — matches nothing", style=tones.muted)
        else:
            text = Text(f"filter: {self.filter_text} — {shown} shown", style=tones.muted)
        if matched > shown:
            text.append(f" (first {shown} of {matched}; narrow the filter)")
        status.show(text, layout=False)  # one fixed line
        status.set_class(True, "-shown")

    def refresh_probes(self) -> None:
        room, tones = self.room, self.room.tones
        latest = {(r.site, r.check): r for r in self.ops.results} | self.arrived
        pane = self.query_one(ProbesPane)
        note = probes_note(
            sites=len(room.config.sites),
            results=len(latest),
            probing=room.probing,
            writer=room.writer,
            why=room.read_only_reason or ("the watcher probes" if room.watcher else None),
        )
        pane.show_note(Text(note, style=tones.muted))
        sites = [site.name for site in room.config.sites]
        rows = site_rows(
            list(latest.values()),
            self.ops.http_history,
            sites,
            self.waiting,
            room.config.latency_p95_ms,
            self.ops.quiet,
        )
        pane.query_one(SitesTable).render_rows(rows, tones)
        pane.show_platform(platform_cells(list(latest.values())), tones)
        failing = sum(1 for row in rows if row.failing)
        newest = max((r.at for r in latest.values()), default=None)
        title = f"Probes · {len(rows)} sites" + (f" · {failing} failing" if failing else "")
        if self.waiting:
            title += f" · {len(self.waiting)} waiting"
        elif newest is not None and room.clock() - newest > 2 * room.config.probe_interval:
            # Said only when late: a title that changes every round repaints the whole pane
            # (9 KB a round over SSH); rows keep their own failures and the header the alarms.
            title += f" · last round {newest:%H:%M:%S}Z, late"
        set_title(pane, title)
        self.counts["probes"] = f"{failing}✗" if failing else ("…" if self.waiting else "")
        self.refresh_summary()

    def refresh_budgets(self) -> None:
        budget, tones = self.ops.budget, self.room.tones
        sites = [site.name for site in self.room.config.sites]
        summary = budgets_summary(budget.statuses, sites)
        self.query_one(BudgetsPane).render_summary(summary, tones)
        frozen = sum(1 for status in budget.statuses if status.frozen)
        self.counts["budgets"] = f"{frozen} frozen" if frozen else ""
        banner = self.query_one("#freeze-banner", QuietText)
        banner.set_class(budget.freeze, "-shown")
        if budget.freeze:
            width = max(banner.size.width, self.app.size.width - 2)
            banner.show(tones.text(freeze_banner(budget, self.room.config.freeze_below, width)))

    def refresh_incidents(self, now: datetime | None = None) -> None:
        summary = incidents_summary(
            self.ops.incidents, self.ops.kb_broken, now or self.room.clock()
        )
        self.query_one(IncidentsPane).render_summary(summary, self.room.tones)
        opened = len(self.ops.open_incidents)
        self.counts["incidents"] = f"{opened} open" if opened else ""
        self.refresh_summary()
        from widgets.screens.incident import IncidentScreen

        for screen in self.app.screen_stack:
            if isinstance(screen, IncidentScreen):
                incident = self.ops.incident(screen.incident_id)
                if incident is not None:
                    screen.show(incident.state, incident_record(incident, self.ops.kb))

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
