"""The control room on screen: a thin assembler of sources, core and widgets.

Sources (the watcher, the scan worker, the clock) post messages; handlers feed the core and hand
plain view data down to the widgets. Only handlers change state.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import gc
import getpass
import threading
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import DataTable, Footer, Input

from tui.base.clock import Clock, system_clock
from tui.base.config import Config
from tui.base.crash import one_line
from tui.base.durations import format_duration
from tui.base.ladder import STALE_LADDER, Announcer
from tui.base.paths import can_write, room_dir
from tui.base.resources import data_path
from tui.base.sanitize import clean, shorten
from tui.base.storage import WriterLock
from tui.bus.acks import Acks
from tui.bus.filter import Filter, parse_filter
from tui.bus.scanner import BusState, Scanner, is_stale, stale_tickets
from tui.bus.tickets import Ticket
from tui.demo.sample import Demo, DemoAgent
from tui.ops.budgets import BudgetReport, report, write_freeze
from tui.ops.history import History, key_of
from tui.ops.incidents import Incident, IncidentBook, write_postmortem
from tui.ops.kb import load_kb, save_entry
from tui.ops.probe_store import ProbeStore
from tui.ops.probes import ProbeResult, probe_round
from tui.ops.slo import budget_trend
from tui.view.inboxes import role_rows, ticket_rows
from tui.view.probes import platform_cells, site_rows
from tui.view.ticket import TicketDetail, build_detail
from widgets.panes.budgets import BudgetsPane, BudgetsTable
from widgets.panes.header import HeaderView, StatusBar
from widgets.panes.inboxes import ALL_ROLES, RolesTable, TicketsTable
from widgets.panes.incidents import IncidentScreen, IncidentsPane, IncidentsTable, NoteScreen
from widgets.panes.probes import ProbesPane, SitesTable
from widgets.parts.messages import OpenTicket
from widgets.parts.quiet import QuietText, set_title
from widgets.parts.styles import Palette
from widgets.screens.help import HelpScreen, help_sections

TICK = 30.0  # seconds between age refreshes; stale transitions get their own exact timer
RESCAN = 20.0  # periodic rescan (events are hints); the archive is recounted every ARCHIVE_EVERY
ARCHIVE_EVERY = 15
DEMO_STEP = 4.0
FIRST_PAINT_WAIT = 0.3  # seconds the first paint waits for the first scan before a partial view
FIRST_PAINT_HOLD = 3.0  # at most this long the first scan pauses while that partial view is painted


@dataclass
class TicketsChanged(Message):
    """A scan finished: the bus as it is now."""

    state: BusState
    partial: bool = False  # the first scan is still reading: more is coming


@dataclass
class ProbesCompleted(Message):
    """A probe round ended (or, in a reading room, the writer's results were reloaded)."""

    results: list[ProbeResult]
    budget: BudgetReport


@dataclass
class DetailReady(Message):
    detail: TicketDetail


def load_themes() -> list[Theme]:
    """The room's themes from themes/themes.toml."""
    data = tomllib.loads((data_path("themes") / "themes.toml").read_text(encoding="utf-8"))
    return [Theme(name=name, **values) for name, values in data.items()]


class RoomCommands(Provider):
    """The room's own commands in the palette (ctrl+p)."""

    def _commands(self) -> list[tuple[str, Any, str]]:
        app = self.app
        assert isinstance(app, RoomApp)
        commands: list[tuple[str, Any, str]] = [
            ("Show stale clarifications", app.action_stale, "Every stale ticket, in every inbox"),
            (
                "Show every inbox",
                partial(app.show_role, ALL_ROLES),
                "Tickets of all roles together",
            ),
            ("Rescan the tickets now", app.action_rescan, "Read every inbox again"),
            ("Keys", app.action_help, "Every key the room answers to"),
        ]
        roles = app.bus.roles if app.bus else ()
        for role in roles:
            commands.append(
                (f"Go to inbox: {role}", partial(app.show_role, role), f"The tickets of {role}")
            )
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield Hit(1.0, name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


class MainScreen(Screen[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield QuietText(id="freeze-banner")
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
            probes = ProbesPane(id="probes", classes="pane")
            probes.border_title = "Probes"
            yield probes
            budgets = BudgetsPane(id="budgets", classes="pane")
            budgets.border_title = "Error budgets"
            yield budgets
            incidents = IncidentsPane(id="incidents", classes="pane")
            incidents.border_title = "Incidents"
            yield incidents
        yield Footer()

    def on_mount(self) -> None:
        app = self.app
        assert isinstance(app, RoomApp)
        app.start()


class RoomApp(App[None]):
    """The Sisyphus control room."""

    TITLE = "Sisyphus control room"
    CSS_PATH = str(data_path("themes") / "room.tcss")
    COMMANDS: ClassVar = App.COMMANDS | {RoomCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar = [
        Binding("q", "quit", "Quit", id="room.quit"),
        Binding("question_mark", "help", "Keys", id="room.help"),
        Binding("slash", "filter", "Filter", id="room.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="room.clear-filter"),
        Binding("a", "ack", "Acknowledge", id="room.ack"),
        Binding("s", "stale", "Stale list", id="room.stale"),
        Binding("r", "rescan", "Rescan", show=False, id="room.rescan"),
        Binding("1", "focus_pane('roles')", "Inboxes", show=False, id="room.pane-inboxes"),
        Binding("2", "focus_pane('tickets')", "Tickets", show=False, id="room.pane-tickets"),
        Binding("3", "focus_pane('probes')", "Probes", show=False, id="room.pane-probes"),
        Binding("4", "focus_pane('budgets')", "Budgets", show=False, id="room.pane-budgets"),
        Binding("5", "focus_pane('incidents')", "Incidents", show=False, id="room.pane-incidents"),
    ]

    # The only app-level actions that may run, whatever asks (a binding, a click, a link).
    ALLOWED_ACTIONS: ClassVar = frozenset(
        {
            "quit",
            "help",
            "filter",
            "clear_filter",
            "ack",
            "stale",
            "rescan",
            "focus_pane",
            "command_palette",
            "focus_next",
            "focus_previous",
            "back",
            "pop_screen",
            "change_theme",
            "maximize",
            "minimize",
            "bell",
            "hide_help_panel",
            "show_help_panel",
        }
    )

    def __init__(
        self,
        root: Path,
        config: Config,
        *,
        read_only: bool = False,
        theme: str | None = None,
        demo: Demo | None = None,
        clock: Clock = system_clock,
        watch: bool = True,
        crew: bool = True,
        probe: bool = True,
    ) -> None:
        super().__init__()
        self.root = root
        self.config = config
        self.clock = clock
        self.demo = demo
        self.demo_agent = DemoAgent(demo.root) if demo is not None and crew else None
        self.watch_files = watch
        self.crash_message: str | None = None
        self.read_only_reason: str | None = None
        self.lock = WriterLock(room_dir(root))
        if read_only:
            self.read_only_reason = "--read-only"
        elif not can_write(root):
            self.read_only_reason = "cannot write under the state folder"
        elif not self.lock.acquire():
            self.read_only_reason = "another room holds .room/lock"
        self.acks = Acks(room_dir(root), read_only=self.read_only_reason is not None)
        self.writer = self.read_only_reason is None  # holds the lock: probes and records
        self.probe_store = ProbeStore(room_dir(root), read_only=not self.writer)
        self.latest_probes: list[ProbeResult] = self.probe_store.latest()
        self.history = History(room_dir(root), read_only=not self.writer, window=config.slo_window)
        self.budget = report(self.history, config, clock(), room_dir(root))
        self.book = IncidentBook(room_dir(root), read_only=not self.writer)
        self.kb, self.kb_broken = load_kb(root)
        self._escalation_timer: Any = None
        self.probing = probe and bool(
            config.sites or config.backups_path or config.containers_command
        )
        self.scanner = Scanner(root, config.roles)
        self.bus: BusState | None = None
        self.selected_role = ALL_ROLES
        self.filter = Filter()
        self.announcer = Announcer(STALE_LADDER)
        self._scan_running = False
        self._scan_again = False
        self._scan_archive = True
        self._scans = 0
        self._stop_watch = asyncio.Event()
        self._stale_timer: Any = None
        self._detail_path: str | None = None
        for custom in load_themes():
            self.register_theme(custom)
        # The theme is set before the first styling pass: set later it would style everything twice.
        self._unknown_theme = (
            theme if theme is not None and theme not in self.available_themes else None
        )
        if theme is None or self._unknown_theme:
            theme = "room-ansi" if self.console.color_system in ("standard", "windows") else "room"
        self.theme = theme
        self.palette_styles = Palette.from_theme(self.current_theme)
        # The first scan starts now, in a thread, so it overlaps Textual's own start-up.
        self._partial: BusState | None = None
        self._reading = True
        # While the first frame is painted from a partial state, the scan waits for it (they would
        # share one core's worth of Python): `_hold_scan` asks for that, `_painted` ends it.
        self._hold_scan = threading.Event()
        self._painted = threading.Event()
        self._first_scan = concurrent.futures.ThreadPoolExecutor(1, "first-scan").submit(
            self._scan_now, True, self._keep_partial
        )

    # ----------------------------------------------------------------- setup

    def get_default_screen(self) -> Screen[None]:
        return MainScreen()

    @property
    def ready(self) -> bool:
        """The first scan has read every inbox."""
        return self.bus is not None and not self._reading

    @property
    def main_screen(self) -> Screen[Any]:
        return self.screen_stack[0]

    @property
    def closing(self) -> bool:
        """The screens are gone (the room is ending): late scans and rounds show nothing."""
        return not self.screen_stack

    def start(self) -> None:
        """The main screen is composed: show the tickets, then start the sources once painted."""
        self.query_one(RolesTable).focus()
        self.render_panes()
        self._scan_running = True
        try:  # a small state is read by now or very soon: one first paint, with the tickets
            first = self._first_scan.result(timeout=FIRST_PAINT_WAIT)
        except concurrent.futures.TimeoutError:
            partial = self._partial
            if partial is not None:  # a large state: the inboxes read so far, the rest soon
                self._hold_scan.set()
                self._tickets_changed(TicketsChanged(partial, partial=True))
            self.run_worker(
                self._await_first_scan,
                thread=True,
                group="scan",
                exit_on_error=False,
                name="first-scan",
            )
        else:
            self._tickets_changed(TicketsChanged(first))
        if self.watch_files:
            self.run_worker(self._watch(), group="watch", exit_on_error=False, name="watcher")
            # What changed between the first scan and the watcher being in place: read it again soon.
            self.set_timer(1.0, self.request_scan, name="catch-up scan")
        self.call_after_refresh(self._start_sources)  # nothing else competes with the first paint

    def _start_sources(self) -> None:
        """After the first paint, so that nothing competes with it: timers, probes, notes."""
        self._painted.set()
        if not gc.isenabled():  # the command line paused collection for the start-up (cli._room)
            gc.freeze()  # what start-up built lives on: later collections need not walk it
            gc.enable()
        self.set_interval(TICK, self.tick, name="tick")
        self.set_interval(RESCAN, self._periodic_rescan, name="rescan")
        if self.demo_agent is not None:
            self.set_interval(DEMO_STEP, self._demo_step, name="demo")
        if self.probing:
            self.start_probe_round()
        if self._unknown_theme is not None:
            self.notify(
                f"No theme named {clean(self._unknown_theme)!r}; using {self.theme}. Themes: "
                f"{', '.join(sorted(self.available_themes))}",
                severity="warning",
                markup=False,
            )
        for note in self.acks.notes + self.probe_store.notes + self.history.notes:
            self.notify(note, severity="warning", markup=False, timeout=15)
        if self.read_only_reason:
            self.notify(
                f"Read-only: {self.read_only_reason}. Acknowledgements are kept in memory only.",
                severity="warning",
                markup=False,
            )

    def watch_theme(self, theme: str) -> None:
        self.palette_styles = Palette.from_theme(self.current_theme)
        if self.bus is not None:
            self.refresh_view()

    def on_unmount(self) -> None:
        self._stop_watch.set()
        self.lock.release()

    # ------------------------------------------------------------- safety

    MAIN_SCREEN_ACTIONS: ClassVar = frozenset({"filter", "clear_filter", "stale", "focus_pane"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in self.ALLOWED_ACTIONS:
            return False
        # These act on the main screen's panes: not while a ticket or the help is open.
        return action not in self.MAIN_SCREEN_ACTIONS or self.screen is self.main_screen

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if "screenshot" not in command.title.lower():
                yield command

    def _fatal_error(self) -> None:
        """An unexpected error: one line for the person, the traceback in a report file."""
        error = self._exception or RuntimeError("unknown error")
        self.crash_message = one_line(error)
        self._close_messages_no_wait()

    # ------------------------------------------------------------ sources

    async def _watch(self) -> None:
        from tui.bus.watcher import ticket_hints

        async for hint in ticket_hints(self.root, self._stop_watch):
            archive = not hint or any(
                "/archive/" in path or path.endswith("/archive") for path in hint
            )
            self.request_scan(archive=archive)

    def _periodic_rescan(self) -> None:
        self._scans += 1
        self.request_scan(archive=self._scans % ARCHIVE_EVERY == 0)

    def request_scan(self, *, archive: bool = False) -> None:
        """One scan in flight; a request during a scan arms exactly one more."""
        self._scan_archive = self._scan_archive or archive
        if self._scan_running:
            self._scan_again = True
            return
        self._scan_running = True
        archive, self._scan_archive = self._scan_archive, False
        self.run_worker(
            partial(self._scan, archive),
            thread=True,
            group="scan",
            exit_on_error=False,
            name="scan",
        )

    def _scan_now(
        self, archive: bool, progress: Callable[[BusState], None] | None = None
    ) -> BusState:
        try:
            return self.scanner.scan(count_archive_too=archive, progress=progress)
        except Exception as exc:  # a scan never ends the room: say it, keep the last state
            problem = clean(f"reading the tickets failed: {exc}")
            return self.bus or BusState(self.root, (), (), (), 0, (problem,))

    def _scan(self, archive: bool) -> None:
        self.post_message(TicketsChanged(self._scan_now(archive)))

    def _keep_partial(self, state: BusState) -> None:
        self._partial = state
        if self._hold_scan.is_set():
            self._painted.wait(timeout=FIRST_PAINT_HOLD)

    def _await_first_scan(self) -> None:
        """Show what the first scan has read after a moment, then the whole state."""
        shown = self._hold_scan.is_set()  # `start` showed a partial state already
        wait = 0.0  # `start` waited already: show what has been read so far at once
        while True:
            try:
                state = self._first_scan.result(timeout=wait)
                break
            except concurrent.futures.TimeoutError:
                wait = 0.1
                if not shown and self._partial is not None:
                    self.post_message(TicketsChanged(self._partial, partial=True))
                    shown = True
        self.post_message(TicketsChanged(state))

    @on(TicketsChanged)
    def _tickets_changed(self, message: TicketsChanged) -> None:
        # A rescan that found the bus as it was (the usual periodic one) repaints nothing: ages and
        # stale transitions have their own timers.
        same = not message.partial and not self._reading and message.state == self.bus
        self.bus = message.state
        if not message.partial:
            self._reading = False
            self._scan_running = False
        if not same:
            self.tick()
        if not message.partial and self._scan_again:
            self._scan_again = False
            self.request_scan()

    @work(thread=True, group="demo", exit_on_error=False)
    def _demo_step(self) -> None:
        if self.demo_agent is None:
            return
        with contextlib.suppress(OSError):  # the demo crew tries again in a few seconds
            self.demo_agent.step(self.clock())

    def start_probe_round(self) -> None:
        """One round in flight; the next is armed when it ends (`probe_interval` later)."""
        self.run_worker(
            self._probe_round, thread=True, group="probes", exit_on_error=False, name="probes"
        )

    def _probe_round(self) -> None:
        if self.writer:
            # Its own event loop in this thread: a 500-site round never competes with key presses
            # on the screen's loop (only for the GIL).
            results = asyncio.run(probe_round(self.root, self.config, self.clock))
            now = self.clock()
            try:
                self.probe_store.record(results)
                self.history.add(results, self.config)
                self.history.save(now)
                budget = report(self.history, self.config, now, room_dir(self.root))
                write_freeze(room_dir(self.root), budget, now)
            except OSError as exc:
                budget = report(self.history, self.config, now)
                self.call_from_thread(
                    self.notify,
                    clean(f"Probe results not saved: {exc}"),
                    severity="warning",
                    markup=False,
                )
        else:
            self.probe_store.reload()  # another room probes: show what it recorded
            self.history.load()
            results = self.probe_store.latest()
            budget = report(self.history, self.config, self.clock(), room_dir(self.root))
        self.post_message(ProbesCompleted(results, budget))

    @on(ProbesCompleted)
    def _probes_completed(self, message: ProbesCompleted) -> None:
        if self.closing:
            return
        self.latest_probes = message.results
        self.budget = message.budget
        now = self.clock()
        if self.writer:
            changed = self.book.observe(message.results, message.budget, self.config, now, self.kb)
            for incident in changed:
                if incident.open:
                    self.notify(
                        f"{incident.site or 'platform'}: {incident.cause} — {incident.detail}",
                        title=f"Incident opened: {incident.id}",
                        severity="error",
                        markup=False,
                    )
                else:
                    self._incident_closed(incident, now)
            self._save_book()
        else:
            self.book.load()
        self.refresh_probes()
        self.refresh_budgets()
        self.escalate(now)
        self.refresh_view()  # the header names a freeze and the open incidents
        self.set_timer(
            self.config.probe_interval.total_seconds(), self.start_probe_round, name="next-probes"
        )

    def _save_book(self) -> None:
        try:
            self.book.save()
        except OSError as exc:
            self.notify(clean(f"Incidents not saved: {exc}"), severity="warning", markup=False)

    def _incident_closed(self, incident: Incident, now: datetime) -> None:
        """A resolved incident: post-mortem to the architect, and the KB learns."""
        problem = write_postmortem(self.root, incident, now)
        if problem:
            self.notify(f"{incident.id}: {problem}", severity="warning", markup=False)
        with contextlib.suppress(OSError):
            self.book.learn(incident, self.kb)
            self.kb, self.kb_broken = load_kb(self.root)
        self.notify(
            f"{incident.id} closed: {incident.resolution}.", title="Incident resolved", markup=False
        )

    def escalate(self, now: datetime) -> None:
        """Announce firing incidents on the ladder (60 s, 5 min, then every 15 min)."""
        if self.closing:
            return
        due = self.book.escalations(now)
        for incident in due:
            self.notify(
                f"{incident.site or 'platform'}: {incident.cause} — {incident.detail}. Open the incident "
                f"(5, enter) and press a to acknowledge.",
                title=f"Incident firing: {incident.id} (tier {incident.tier})",
                severity="error",
                timeout=20,
                markup=False,
            )
        if due:
            self.bell()
            if self.writer:
                self._save_book()
        self.main_screen.query_one(IncidentsPane).render_book(
            self.book.incidents,
            [f"{b.path}: {b.reason}" for b in self.kb_broken],
            now,
            self.palette_styles,
        )
        if self._escalation_timer is not None:
            self._escalation_timer.stop()
            self._escalation_timer = None
        delay = self.book.next_escalation(now)
        if delay is not None and delay < TICK:
            self._escalation_timer = self.set_timer(
                delay + 0.2, lambda: self.escalate(self.clock())
            )

    @on(DataTable.RowSelected, "#incidents-table")
    def _incident_selected(self, event: DataTable.RowSelected) -> None:
        incident = self.book.get(event.row_key.value or "")
        if incident is not None:
            self.push_screen(
                IncidentScreen(
                    incident, self.kb, self.palette_styles, self.incident_action, self.clock()
                )
            )

    def incident_action(self, action: str, incident: Incident, note: str) -> None:
        """What a person did in an incident's record: acknowledge, resolve, save to the KB."""
        now = self.clock()
        if not self.writer:
            self.notify(
                f"Read-only ({self.read_only_reason}): the incident is changed in memory only.",
                severity="warning",
                markup=False,
            )
        if action == "ack":
            self.book.acknowledge(incident, getpass.getuser(), clean(note), now)
        elif action == "resolve":
            self.book.resolve(
                incident, now, f"resolved by hand: {clean(note) or 'no note'}", self.budget
            )
            if self.writer:
                self._incident_closed(incident, now)
        elif action == "kb":
            check = incident.check
            try:
                path = save_entry(
                    self.root,
                    f"KB-{incident.site or 'platform'}-{check}-{now:%Y%m%d%H%M}",
                    check,
                    " ".join(incident.detail.split()[:3]),
                    incident.site,
                    incident.detail,
                    clean(note),
                )
            except OSError as exc:
                self.notify(clean(f"KB entry not saved: {exc}"), severity="warning", markup=False)
            else:
                self.kb, self.kb_broken = load_kb(self.root)
                incident.note(now, f"saved to the knowledge base as {path.name}")
                self.notify(f"Saved {path.name} in kb/.", markup=False)
        if self.writer:
            self._save_book()
        self.escalate(now)
        self.refresh_view(now)

    def refresh_budgets(self) -> None:
        screen = self.main_screen
        budget = self.budget
        screen.query_one(BudgetsPane).render_report(
            budget.statuses, [site.name for site in self.config.sites], self.palette_styles
        )
        banner = screen.query_one("#freeze-banner", QuietText)
        banner.set_class(budget.freeze, "-shown")
        if budget.freeze:
            text = Text("DEPLOY FREEZE", style="bold")
            if budget.since:
                text.append(f" since {budget.since:%m-%d %H:%M}Z")
            names = [f"{s.site or 'platform'}/{s.name}" for s in budget.frozen_by]
            shown = ", ".join(names[:2]) + (f" +{len(names) - 2} more" if len(names) > 2 else "")
            text.append(f" · {shown} under {self.config.freeze_below:.0%} of budget")
            if budget.lifts_at:
                text.append(f" · lifts ~{budget.lifts_at:%m-%d %H:%M}Z if probes pass")
            else:
                text.append(" · no lift in sight")
            text.append(" · .room/freeze.json", style=self.palette_styles.muted)
            banner.show(text)

    @on(DataTable.RowSelected, "#budget-grid")
    def _budget_selected(self, event: DataTable.RowSelected) -> None:
        from widgets.screens.budget import BudgetScreen

        site = event.row_key.value or ""
        now = self.clock()
        statuses = [s for s in self.budget.statuses if s.site == site]
        trends = {
            s.name: budget_trend(self.history.hourly(key_of(s.site, s.name), now), s.target)
            for s in statuses
        }
        self.push_screen(BudgetScreen(site, statuses, trends, self.palette_styles))

    def refresh_probes(self) -> None:
        pane = self.main_screen.query_one(ProbesPane)
        note = Text()
        if not self.config.sites:
            note.append(
                "No sites configured: add [[sites]] to sisyphus.toml to probe them.",
                style=self.palette_styles.muted,
            )
        elif not self.latest_probes and self.probing:
            note.append(
                "First round of probes under way…"
                if self.writer
                else "Waiting for the room that probes to record a round.",
                style=self.palette_styles.muted,
            )
        elif not self.writer:
            note.append(
                f"read from .room/ ({self.read_only_reason})", style=self.palette_styles.muted
            )
        pane.show_note(note)
        history = {
            site.name: [
                latency if ok else None
                for _, ok, latency in self.probe_store.history(site.name, "http")
            ]
            for site in self.config.sites
        }
        rows = site_rows(self.latest_probes, history, [site.name for site in self.config.sites])
        pane.query_one(SitesTable).render_rows(rows, self.palette_styles)
        pane.show_platform(platform_cells(self.latest_probes), self.palette_styles)
        failing = sum(1 for row in rows if row.failing)
        newest = max((r.at for r in self.latest_probes), default=None)
        title = f"Probes · {len(rows)} sites" + (f" · {failing} failing" if failing else "")
        if newest is not None:  # one age for the round, not one per row: an idle room writes less
            title += f" · round at {newest:%H:%M:%S}Z"
        set_title(pane, title)

    @on(DataTable.RowSelected, "#sites")
    def _site_selected(self, event: DataTable.RowSelected) -> None:
        from widgets.screens.site import SiteScreen

        name = event.row_key.value or ""
        latest = [(r.check, r.ok, r.detail) for r in self.latest_probes if r.site == name]
        history = [
            (check, at, ok, latency)
            for check in ("http", "tls", "dns")
            for at, ok, latency in self.probe_store.history(name, check)
        ]
        history.sort(key=lambda item: item[1])
        self.push_screen(SiteScreen(name, latest, history[-200:], self.palette_styles))

    # ---------------------------------------------------------------- time

    def tick(self) -> None:
        """The clock moved (or the bus changed): staleness, announcements, ages."""
        if self.bus is None or self.closing:
            return
        now = self.clock()
        starts = self._stale_starts(now)
        self._announce_stale(now, starts)
        self.refresh_view(now)
        self.refresh_probes()
        self.escalate(now)
        self._arm_stale_timer(now, starts)

    def _stale_starts(self, now: datetime) -> dict[str, tuple[datetime, Ticket]]:
        assert self.bus is not None
        acked = self.acks.ids()
        return {
            ticket.id: (ticket.created + self.config.stale_after, ticket)
            for ticket in stale_tickets(self.bus.tickets, now, self.config.stale_after)
            if ticket.id not in acked
        }

    def _announce_stale(self, now: datetime, starts: dict[str, tuple[datetime, Ticket]]) -> None:
        due = self.announcer.due({key: start for key, (start, _) in starts.items()}, now)
        if not due:
            return
        tickets = [starts[str(key)][1] for key in due]
        if len(tickets) <= 3:
            for ticket in tickets:
                self.notify(
                    f"{ticket.id} in the inbox of {ticket.role} (from {ticket.sender}) has waited "
                    f"{format_duration(now - ticket.created)}: {shorten(ticket.subject, 90)}",
                    title="Stale clarification",
                    severity="error",
                    timeout=20,
                    markup=False,
                )
        else:
            ids = ", ".join(ticket.id for ticket in tickets[:8]) + (
                " …" if len(tickets) > 8 else ""
            )
            self.notify(
                f"{len(tickets)} clarifications have waited over "
                f"{format_duration(self.config.stale_after)}: {ids}. Press s for the list.",
                title="Stale clarifications",
                severity="error",
                timeout=20,
                markup=False,
            )
        self.bell()

    def _arm_stale_timer(self, now: datetime, starts: dict[str, tuple[datetime, Ticket]]) -> None:
        """Wake exactly when the next ticket turns stale or the next announcement is due."""
        assert self.bus is not None
        moments = [
            ticket.created + self.config.stale_after
            for ticket in self.bus.tickets
            if ticket.status == "needs_clarification"
            and ticket.created + self.config.stale_after > now
        ]
        upcoming = self.announcer.next_due({key: start for key, (start, _) in starts.items()})
        if upcoming is not None:
            moments.append(upcoming)
        if self._stale_timer is not None:
            self._stale_timer.stop()
            self._stale_timer = None
        if moments:
            delay = max((min(moments) - now).total_seconds() + 0.5, 0.5)
            if delay < TICK:
                self._stale_timer = self.set_timer(delay, self.tick, name="stale")

    # ---------------------------------------------------------------- view

    def refresh_view(self, now: datetime | None = None) -> None:
        if self.bus is None:
            return
        now = now or self.clock()
        bus = self.bus
        acked = self.acks.ids()
        stale = stale_tickets(bus.tickets, now, self.config.stale_after)
        screen = self.main_screen
        with self.batch_update():
            header = HeaderView(
                root=str(self.root) if self.demo is None else "bundled sample (live copy)",
                stale=len(stale),
                acked=sum(1 for t in stale if t.id in acked),
                malformed=len(bus.malformed),
                read_only=self.read_only_reason,
                demo=self.demo is not None,
                problems=bus.problems,
                incidents=len(self.book.open_incidents()),
                freeze=", ".join(f"{s.site or 'platform'}/{s.name}" for s in self.budget.frozen_by)
                or None,
            )
            screen.query_one(StatusBar).render_header(header, self.palette_styles)
            roles = screen.query_one(RolesTable)
            roles.render_rows(role_rows(bus, now, self.config.stale_after), self.palette_styles)
            role = None if self.selected_role == ALL_ROLES else self.selected_role
            rows, matched = ticket_rows(bus, role, now, self.config.stale_after, acked, self.filter)
            tickets = screen.query_one(TicketsTable)
            tickets.render_rows(rows, self.palette_styles)
            pane = screen.query_one("#tickets-pane")
            where = "every inbox" if role is None else f"to_{role}"
            title = f"Tickets · {where} · {len(rows)}" + (
                f" of {matched}" if matched > len(rows) else ""
            )
            if self._reading:
                title += " · still reading…"
            set_title(pane, title)
            self._show_filter_status(screen, len(rows), matched)

    def _show_filter_status(self, screen: Screen[Any], shown: int, matched: int) -> None:
        status = screen.query_one("#filter-status", QuietText)
        if self.filter.empty and not self.filter.problems:
            status.set_class(False, "-shown")
            return
        text = Text(f"filter: {self.filter_text} — {shown} shown", style=self.palette_styles.muted)
        if matched > shown:
            text.append(f" (first {shown} of {matched}; narrow the filter)")
        for problem in self.filter.problems:
            text.append(f" · {problem}", style=self.palette_styles.warning)
        status.show(text, layout=False)  # one fixed line
        status.set_class(True, "-shown")

    filter_text = ""

    def render_panes(self) -> None:
        """The probes, budgets and incidents panes from what the room has stored."""
        self.escalate(self.clock())
        self.refresh_probes()
        self.refresh_budgets()

    # ------------------------------------------------------------- actions

    def show_role(self, role: str) -> None:
        self.selected_role = role
        self.query_one(RolesTable).select_key(role)
        self.refresh_view()
        self.query_one(TicketsTable).focus()

    @on(DataTable.RowHighlighted, "#roles")
    def _role_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key and key != self.selected_role:
            self.selected_role = key
            self.refresh_view()

    @on(DataTable.RowSelected, "#roles")
    def _role_selected(self, event: DataTable.RowSelected) -> None:
        self.query_one(TicketsTable).focus()

    @on(DataTable.RowSelected, "#tickets")
    def _ticket_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.open_ticket(event.row_key.value)

    @on(OpenTicket)
    def _open_from_thread(self, message: OpenTicket) -> None:
        self.pop_screen()
        self.open_ticket(message.path)

    def open_ticket(self, path: str) -> None:
        self._build_detail(path)

    @work(thread=True, group="detail", exclusive=True, exit_on_error=False)
    def _build_detail(self, path: str) -> None:
        detail = build_detail(
            self.root, path, self.bus, self.clock(), self.config.stale_after, self.acks.ids()
        )
        self.post_message(DetailReady(detail))

    @on(DetailReady)
    def _detail_ready(self, message: DetailReady) -> None:
        from widgets.screens.ticket import TicketScreen  # Markdown is heavy: loaded on first use

        self._detail_path = message.detail.path
        self.push_screen(
            TicketScreen(message.detail, self.palette_styles), lambda _: self._closed_detail()
        )

    def _closed_detail(self) -> None:
        self._detail_path = None

    def action_focus_pane(self, pane: str) -> None:
        target = self.screen.query_one(f"#{pane}")
        if isinstance(target, ProbesPane):
            target = target.query_one(SitesTable)
        elif isinstance(target, BudgetsPane):
            target = target.query_one(BudgetsTable)
        elif isinstance(target, IncidentsPane):
            target = target.query_one(IncidentsTable)
        target.focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(help_sections()))

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.set_class(True, "-shown")
        box.focus()

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
        if not box.has_class("-shown") and self.filter.empty:
            return
        box.value = ""
        box.set_class(False, "-shown")
        self.filter = Filter()
        self.filter_text = ""
        self.refresh_view()
        self.query_one(TicketsTable).focus()

    def action_stale(self) -> None:
        box = self.query_one("#filter", Input)
        box.set_class(True, "-shown")
        box.value = "status:stale"
        self.show_role(ALL_ROLES)

    def action_rescan(self) -> None:
        self.request_scan(archive=True)
        self.notify("Reading every inbox again.", timeout=2)

    def action_ack(self) -> None:
        focused = self.focused
        if isinstance(focused, IncidentsTable) and focused.selected_key:
            incident = self.book.get(focused.selected_key)
            if incident is not None and incident.state == "triggered":

                def answered(note: str | None) -> None:
                    if note is not None:
                        self.incident_action("ack", incident, note)

                self.push_screen(
                    NoteScreen("Acknowledge: a note (e.g. “applied KB entry <id>”), or empty"),
                    answered,
                )
                return
        if self.bus is None:
            return
        path = self._detail_path or self.main_screen.query_one(TicketsTable).selected_key
        ticket = next((t for t in self.bus.tickets if t.path == path), None)
        now = self.clock()
        if ticket is None or not is_stale(ticket, now, self.config.stale_after):
            self.notify(
                "Only a stale clarification needs an acknowledgement: select one (s lists them).",
                severity="warning",
                timeout=4,
            )
            return
        self.acks.acknowledge(ticket.id, getpass.getuser(), now)
        where = "in memory only (read-only)" if self.read_only_reason else "kept in .room/acks.json"
        self.notify(
            f"Acknowledged {ticket.id}: no more reminders while it waits ({where}).", markup=False
        )
        self.refresh_view(now)


_AGENTS: dict[int, DemoAgent] = {}


def DemoAgent_for(demo: Demo) -> DemoAgent:
    return _AGENTS.setdefault(id(demo), DemoAgent(demo.root))


def make_app(root: Path, config: Config, **options: Any) -> RoomApp:
    """The one factory shared by the command line and the tests (options as RoomApp takes them)."""
    return RoomApp(root, config, **options)
