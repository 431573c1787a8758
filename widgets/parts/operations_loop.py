"""The room's operations loop, mixed into the app: probe rounds one after another, their
results and the incident ladder shown and announced, a person's incident actions carried out
(through the watcher when one keeps watch), and taking over when the watcher stopped.

Every change goes through the round engine (`tui.ops.engine`); this only schedules it, hands
its frozen views to the main screen and turns what happened into announcements.
"""

from __future__ import annotations

import contextlib
import getpass
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import App

from tui.base.clock import iso
from tui.base.config import Config
from tui.base.paths import room_dir
from tui.base.writer_lock import WriterLock
from tui.bus.acks import Acks
from tui.bus.scanner import BusSnapshot
from tui.ops import requests
from tui.ops.engine import Operations
from tui.ops.happenings import Announcement, Happening
from tui.ops.keeper import Keeper
from tui.ops.notify import failed_lately
from tui.ops.outcomes import ActionOutcome, OpsView
from tui.ops.rounds import Arrivals
from tui.ops.watcher_file import ended_watch, read_watcher
from widgets.parts import messages as m

if TYPE_CHECKING:
    from widgets.screens.main import MainScreen


# Seconds between the redraws of a round's arrivals, per site: a redraw costs the main thread
# ~0.14 ms a site, so 500 sites redraw once a second (not five times), 50 every 0.2 s.
REDRAW_PER_SITE = 0.002


class OperationsLoop(App[None]):
    """Rounds, the incident ladder, incident actions and taking over (mixed into RoomApp)."""

    root: Path
    config: Config
    clock: Callable[[], Any]
    writer: bool
    watcher: dict[str, Any] | None
    read_only_reason: str | None
    read_only_asked: bool
    lock: WriterLock
    operations: Operations
    acks: Acks
    bus: BusSnapshot | None
    channels_failing: int
    escalation_timer: Any
    keeper: Keeper
    _offered: bool

    if TYPE_CHECKING:

        @property
        def main(self) -> MainScreen: ...

        @property
        def closing(self) -> bool: ...

        def announce(self, announcements: Iterable[Announcement]) -> None: ...

        def tell(self, happenings: Sequence[Happening]) -> None: ...

        def send_to_watcher(self, action: str, target: str, note: str, until: str = "") -> str: ...

        def take_requests(self) -> None: ...

    # ----------------------------------------------------------------- taking over

    def take_over(self) -> bool:
        """Become the writer when no process holds the lock (a watcher that stopped): this room
        then probes, records, escalates and takes requests, through the same engine."""
        if self.writer:
            self.notify("This room is the writer already.", timeout=5)
            return False
        if self.read_only_asked or not self.lock.acquire():
            why = "--read-only" if self.read_only_asked else "the lock is held (a watcher runs)"
            self.notify(f"Not taken over: {why}.", severity="warning", timeout=8)
            return False
        now = self.clock()
        old = self.operations
        self.operations = Operations(self.root, self.config, writer=True, now=now)
        old.close()
        self.writer, self.watcher, self.read_only_reason = True, None, None
        self.acks = Acks(room_dir(self.root), read_only=False)
        self.take_requests()
        self.notify(
            "This room took over: it probes and records until it closes (start "
            "`sisyphus-room watch` again to hand the watch back).",
            severity="warning",
            timeout=15,
        )
        self.main.show_ops(self.operations.view(now))
        return True

    # ----------------------------------------------------------------- probes and incidents

    def start_probe_round(self) -> None:
        """One round in flight; the next is armed when it ends, whatever happened in it."""
        self.run_worker(self._probe_round, thread=True, group="probes", exit_on_error=False)

    def _probe_round(self) -> None:
        sites = [site.name for site in self.config.sites]
        arrived = (  # a reading room has no results arriving: it reads what the writer recorded
            Arrivals(
                sites,
                lambda done, waiting: self.post_message(m.ProbesArrived(done, waiting)),
                every=max(0.2, len(sites) * REDRAW_PER_SITE),
            )
            if self.writer
            else None
        )
        try:
            tickets = self.bus.tickets if self.bus is not None else None
            outcome = self.operations.round(self.clock, arrived, tickets=tickets)
            self.post_message(m.RoundFinished(outcome))
        finally:  # a round that failed in any way still arms the next one
            with contextlib.suppress(RuntimeError):  # unless the room has ended meanwhile
                self.call_from_thread(self._arm_next_round)

    def _arm_next_round(self) -> None:
        if not self.closing:
            interval = self.config.probe_interval.total_seconds()
            self.set_timer(interval, self.start_probe_round, name="next-probes")
            self._arm_confirmation()

    def _arm_confirmation(self) -> None:
        """A check that began failing is probed again after `confirm_after` (when that comes
        before the next round): the incident opens at `open_after` failures in a row."""
        if self.closing or not self.writer:
            return
        sites = self.operations.unconfirmed()
        wait = self.config.confirm_after.total_seconds()
        if sites and wait < self.config.probe_interval.total_seconds():
            self.set_timer(wait, lambda: self._confirm(sites), name="confirm")

    @work(thread=True, group="confirm", exclusive=True, exit_on_error=False)
    def _confirm(self, sites: list[str]) -> None:
        outcome = self.operations.confirm(self.clock, sites)
        self.post_message(m.RoundFinished(outcome, tuple(sites)))
        with contextlib.suppress(RuntimeError):  # the room ended meanwhile
            self.call_from_thread(self._arm_confirmation)

    @on(m.ProbesArrived)
    def _probes_arrived(self, message: m.ProbesArrived) -> None:
        if not self.closing:
            self.main.show_arrived(message.results, message.waiting)

    @on(m.RoundFinished)
    def _round_finished(self, message: m.RoundFinished) -> None:
        if self.closing:  # a round that ends while the room closes shows nothing
            return
        outcome = message.outcome
        if not self.writer:  # what the writer acknowledged meanwhile
            self.acks.reload()
        self.channels_failing = failed_lately(room_dir(self.root), self.clock())
        if self.watcher is not None:  # who keeps watch, and when it last probed
            folder = room_dir(self.root)
            live = read_watcher(folder)
            ended = None if live else ended_watch(folder)  # stopped or gone: nobody probes
            self.watcher = live or ({**self.watcher, "ended": True} if ended else self.watcher)
            if ended and self.config.take_over:
                self.take_over()
            elif ended and not self._offered:
                self._offered = True
                self.notify(
                    "The watcher stopped: nobody is probing. Press W to take over as the writer "
                    "(this room probes and records until it closes).",
                    severity="error",
                    timeout=30,
                )
        now = self.clock()
        told = (
            self.keeper.confirmed(outcome, message.confirmed, now)
            if message.confirmed is not None
            else self.keeper.round(outcome, now, 0.0, self.operations.unsaved)
        )
        self._show_ops(outcome.view, told)

    @work(thread=True, group="escalate", exit_on_error=False)
    def escalate(self) -> None:
        """Firing incidents on the ladder (60 s, 5 min, then every 15 min), in the engine."""
        due, view = self.operations.escalate(self.clock())
        self.post_message(m.IncidentsEscalated(due, view))

    @on(m.IncidentsEscalated)
    def _escalated(self, message: m.IncidentsEscalated) -> None:
        self._show_ops(message.view, self.keeper.firing(message.due, self.clock()))

    @on(m.Told)
    def _told(self, message: m.Told) -> None:
        self._show_ops(message.view, list(message.happenings))

    @on(m.IncidentAction)
    @work(thread=True, group="incident", exit_on_error=False)
    def _incident_action(self, message: m.IncidentAction) -> None:
        now, who = self.clock(), getpass.getuser()
        until = now + message.length if message.length else None
        if self.watcher is not None and message.action in requests.ACTIONS:
            said = self.send_to_watcher(
                message.action, message.incident_id, message.note, iso(until) or ""
            )
            view = self.operations.view(now)
            self.post_message(m.IncidentChanged(ActionOutcome(said, (), view)))
            return
        outcome = self.operations.act(
            message.action, message.incident_id, who, message.note, now, until
        )
        self.post_message(m.IncidentChanged(outcome))

    @on(m.IncidentChanged)
    def _incident_changed(self, message: m.IncidentChanged) -> None:
        outcome = message.outcome
        self.announce(
            [Announcement("Incident", outcome.message)]
            + [Announcement("Incident", note, "warning") for note in outcome.problems]
        )
        self._show_ops(outcome.view, [])

    def _show_ops(self, view: OpsView, happenings: list[Happening]) -> None:
        """A new operations view: tell what happened, show it, arm the next escalation."""
        if self.closing:
            return
        self.tell(happenings + self.keeper.deliveries_due(view.deliveries, self.clock()))
        self.main.show_ops(view)
        if self.escalation_timer is not None:
            self.escalation_timer.stop()
            self.escalation_timer = None
        delay = view.next_escalation
        if delay is not None:  # however far: a round may be minutes away, or probing off
            self.escalation_timer = self.set_timer(delay + 0.2, self.escalate, name="escalate")
