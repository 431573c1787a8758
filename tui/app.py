"""The control room on screen: start-up, the sources, and the routing between them and the screen.

Sources (the first scan, the watcher, the probe rounds, the clock, the demo crew) run in workers
and post messages; handlers hand frozen values to the main screen, which owns the panes and their
keys. The round engine (`tui.ops.engine`) does every probe round and incident change.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.screen import Screen

from tui.base.clock import Clock, system_clock
from tui.base.config import Config
from tui.base.crash import one_line
from tui.base.paths import room_dir
from tui.base.resources import data_path
from tui.base.writer_lock import LOCK_HELD, WriterLock, why_read_only
from tui.bus.acks import Acks
from tui.bus.scanner import BusSnapshot, Scanner
from tui.bus.scanning import ScanSchedule
from tui.demo.sample import Demo, DemoAgent
from tui.ops import requests
from tui.ops.engine import Operations
from tui.ops.keeper import Keeper
from tui.ops.watcher_file import read_watcher
from tui.view.header import (
    startup_notes,
)
from widgets.parts import compat
from widgets.parts import messages as m
from widgets.parts.announcing import Announcing
from widgets.parts.operations_loop import OperationsLoop
from widgets.parts.requests_channel import RequestsChannel
from widgets.parts.tones import Tones, choose_theme
from widgets.screens.main import TICK, MainScreen
from widgets.screens.room_screen import Room

RESCAN = 20.0  # periodic rescan (events are hints); the archive is recounted every ARCHIVE_EVERY
ARCHIVE_EVERY = 15
DEMO_STEP = 4.0


compat.inner_outer_fix()


class RoomApp(Announcing, OperationsLoop, RequestsChannel, compat.CompatApp):
    """The Sisyphus control room."""

    TITLE = "Sisyphus control room"
    CSS_PATH = str(data_path("themes") / "room.tcss")
    COMMANDS: ClassVar = App.COMMANDS | {lambda: room_commands()}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS: ClassVar = [
        Binding("q", "quit", "Quit", id="room.quit"),
        Binding("question_mark", "help", "Keys", id="room.help"),
    ]
    # The only actions that may run, whatever asks (a binding, a click, a link in a ticket).
    ALLOWED_ACTIONS: ClassVar = frozenset(
        {"quit", "help", "command_palette", "focus_next", "focus_previous", "back"}
        | {"pop_screen", "change_theme", "maximize", "minimize", "bell"}
        | {"hide_help_panel", "show_help_panel"}
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
        self.root, self.config, self.clock, self.demo = root, config, clock, demo
        self.demo_agent = DemoAgent(demo.root) if demo is not None and crew else None
        self.watch_files = watch
        self.crash_message: str | None = None
        self.lock = WriterLock(room_dir(root))
        reason = why_read_only(root, self.lock, asked=read_only)
        self.writer = reason is None  # holds the lock: probes and records
        # A watcher holds the lock: this room reads its records and sends it what a person does.
        self.watcher = read_watcher(room_dir(root)) if reason == LOCK_HELD else None
        self.read_only_reason = None if self.watcher else reason
        self.channels_failing = 0  # notifications a channel gave up on in the last day
        self.read_only_asked = read_only
        self.acks = Acks(room_dir(root), read_only=not self.writer)
        self.operations = Operations(root, config, writer=self.writer, now=clock())
        # Rounds run even with no site configured: they check the deliveries (done tickets' verify).
        self.probing = probe
        self.scanner = Scanner(root, config.roles)
        self.bus: BusSnapshot | None = None
        self._scans = 0
        self._stop_watch = asyncio.Event()
        self._taking = threading.Lock()  # held by the worker carrying out requests
        self.watching = threading.Event()  # set once the file watch is in place
        self.escalation_timer: Any = None
        self._offered = False  # the take-over offered once the watcher stopped
        self.notices: list[tuple[str, str, str, str]] = []  # (at, severity, title, text), kept
        # The theme is set before the first styling pass: set later it would style everything twice.
        self.theme, self._unknown_theme = choose_theme(self, theme)
        self.tones = Tones.from_theme(self.current_theme)
        # The first scan starts now, in a thread, so it overlaps Textual's own start-up.
        self._early: m.TicketsChanged | None = None  # a scan delivered before the screen was up
        self._started = False
        self.scans = ScanSchedule(self.scanner, self._delivered)

    def get_default_screen(self) -> Screen[None]:
        return MainScreen()

    @property
    def main(self) -> MainScreen:
        return self.screen_stack[0]  # type: ignore[return-value]

    @property
    def ready(self) -> bool:
        """The first scan has read every inbox."""
        return self.bus is not None and not self.main.reading

    @property
    def closing(self) -> bool:
        """The room is ending (asked to exit, or its screens gone): late scans and rounds show
        nothing."""
        return self.ending or not self.screen_stack

    # ----------------------------------------------------------------- start-up

    def start(self, main: MainScreen) -> None:
        """The main screen is composed: show the tickets, then start the sources once painted."""
        view = self.operations.view(self.clock())
        self.keeper = Keeper(self.config, view)  # the ladders, as the watcher's, from this view
        main.show_ops(view)
        first = self.scans.first()  # read whole or in part by now: the first paint shows it
        early, self._early, self._started = self._early, None, True
        message = m.TicketsChanged(*first) if first is not None else early
        if message is not None:
            self._tickets_changed(message)
        if self.watch_files:
            if self.writer:  # watched from the start: a request wakes the room when it lands
                with contextlib.suppress(OSError):  # then it is looked for at the fallback pace
                    requests.folder_of(room_dir(self.root)).mkdir(exist_ok=True)
            self.run_worker(self._watch(), group="watch", exit_on_error=False, name="watcher")
            # What changed between the first scan and the watcher being in place: read it again soon.
            self.set_timer(1.0, self.request_scan, name="catch-up scan")
        self.call_after_refresh(self._start_sources)  # nothing else competes with the first paint

    def _start_sources(self) -> None:
        self.scans.painted()
        if not gc.isenabled():  # the command line paused collection for the start-up (cli._room)
            gc.freeze()  # what start-up built lives on: later collections need not walk it
            gc.enable()
        self.set_interval(TICK, self.main.refresh_ages, name="ages")
        self.set_interval(RESCAN, self._periodic_rescan, name="rescan")
        if self.demo_agent is not None:
            self.set_interval(DEMO_STEP, self._demo_step, name="demo")
        if self.probing:
            self.start_probe_round()
        if self.writer:  # `ack` and `resolve` from the command line reach the room that writes
            self.take_requests()
        self.escalate()
        notes = (
            self.acks.notes
            + self.operations.notes
            + startup_notes(
                self._unknown_theme, self.theme, self.available_themes, self.read_only_reason
            )
        )
        for note in notes:
            self.notify(note, severity="warning", markup=False, timeout=15)

    def watch_theme(self, theme: str) -> None:
        self.tones = Tones.from_theme(self.current_theme)
        if self.bus is not None:
            self.main.refresh_view()

    def on_unmount(self) -> None:
        self._stop_watch.set()
        self.scans.close()
        self.operations.close()  # delivery checks under way are cancelled, not left behind
        self.lock.release()

    def get_driver_class(self) -> type[Driver]:
        """Textual's Linux driver with an input thread that sleeps until a key comes (a quarter of
        an idle room's CPU was Textual's input thread waking ten times a second)."""
        from textual import constants

        driver = super().get_driver_class()
        return driver if constants.DRIVER is not None else compat.driver_class(driver)

    # ----------------------------------------------------------------- safety

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action in self.ALLOWED_ACTIONS

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):  # no screenshot; ? is the keys
            if "screenshot" not in command.title.lower() and command.title != "Keys":
                yield command

    def fatal_error(self, exception: BaseException | None) -> None:
        """An unexpected error: one line for the person, the traceback in a report file."""
        self.crash_message = one_line(exception or RuntimeError("unknown error"))

    def action_help(self) -> None:
        from widgets.screens.help import open_help

        open_help(self)

    def why_no_ticket_writes(self) -> str | None:
        """Why replies, archive moves and new tickets are refused here (None: they are not).

        Another room holding `.room/lock` does not stop them: tickets are the bus, not the
        room's records, and agents write them all the time."""
        if self.read_only_asked:
            return "the room runs with --read-only"
        if not os.access(self.root / "tickets", os.W_OK):
            return "the tickets/ folder is not writable here"
        return None

    # ----------------------------------------------------------------- the tickets

    async def _watch(self) -> None:
        from tui.bus.watcher import ticket_hints

        asked = str(requests.folder_of(room_dir(self.root)).absolute())
        also = [Path(asked)] if self.writer else []
        async for hint in ticket_hints(
            self.root, self._stop_watch, also=also, watching=self.watching.set
        ):
            if not hint or any(path.startswith(asked) for path in hint):
                self._look_for_requests()
            tickets = {path for path in hint if not path.startswith(asked)}
            if not hint or tickets:
                archive = not hint or any(
                    "/archive/" in p or p.endswith("/archive") for p in tickets
                )
                self.request_scan(archive=archive)

    def _periodic_rescan(self) -> None:
        self._scans += 1
        self.request_scan(archive=self._scans % ARCHIVE_EVERY == 0)

    def request_scan(self, *, archive: bool = False) -> None:
        self.scans.request(archive=archive)

    def _delivered(self, state: BusSnapshot, partial: bool) -> None:
        self.post_message(m.TicketsChanged(state, partial))

    @on(m.TicketsChanged)
    def _tickets_changed(self, message: m.TicketsChanged) -> None:
        if self.closing:
            return
        if not self._started:  # before `start`: it shows it
            self._early = message
            return
        # A rescan that found the bus as it was repaints nothing: ages have their own timers. The
        # first view, shown by `start`, comes again as a message: it is not shown twice.
        same = message.state is self.bus or (
            not message.partial and not self.main.reading and message.state == self.bus
        )
        self.bus = message.state
        if not same:
            self.main.show_bus(message.state, reading=message.partial)
        if not message.partial and not message.state.problems:  # acks of tickets gone: dropped
            self.acks.forget_missing({ticket.id for ticket in message.state.tickets})

    @on(m.OpenTicket)
    def _open_from_thread(self, message: m.OpenTicket) -> None:
        self.pop_screen()
        self.main.open_from_thread(message.path)

    @on(m.ReplyToTicket)
    def _reply_from_view(self, message: m.ReplyToTicket) -> None:
        # Over the ticket view: escape comes back to it; once sent, the view goes (the ticket
        # usually leaves its inbox).
        self.main.action_reply(message.path, from_view=True)

    @on(m.AcknowledgeTicket)
    def _acknowledge_ticket(self, message: m.AcknowledgeTicket) -> None:
        if self.main.acknowledge_ticket(message.path) and hasattr(self.screen, "acknowledged"):
            self.screen.acknowledged()

    @work(thread=True, group="demo", exit_on_error=False)
    def _demo_step(self) -> None:
        if self.demo_agent is not None:
            with contextlib.suppress(OSError):  # the demo crew tries again in a few seconds
                self.demo_agent.step(self.clock())


def make_app(root: Path, config: Config, **options: Any) -> RoomApp:
    """The one factory shared by the command line and the tests (options as RoomApp takes them)."""
    return RoomApp(root, config, **options)


def as_room(app: RoomApp) -> Room:
    """The app is what its screens ask of it (`Room`): mypy checks it here."""
    return app


def room_commands() -> type[Any]:
    """The palette's room commands, loaded when the palette first opens (not at start)."""
    from widgets.parts.commands import RoomCommands

    return RoomCommands
