"""`sisyphus-room watch`: the headless watcher, the one writer of a state root.

It probes every `probe_interval` through the same round engine as the room, keeps history,
budgets, `freeze.json` and incidents, raises stale clarifications and firing incidents on their
ladders, and sends each step to the `[[notify]]` channels. One log line per event on stdout
(`--log-format json`: one JSON object per line). Rooms and `sisyphus-room ack`/`resolve` reach it
through `.room/requests/`; it says who it is and when it last probed in `.room/watcher.json`.

SIGTERM or SIGINT: the round in flight is abandoned (what it recorded so far is whole on disk) and
the process ends within two seconds. SIGHUP: `sisyphus.toml` is read again; a bad file is logged
and the old config kept.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.base.clock import iso, scaled_clock, system_clock
from tui.base.config import Config, ConfigError, load_config
from tui.base.crash import one_line
from tui.base.eventlog import Log
from tui.base.paths import NotAFile, read_file, room_dir, write_atomic
from tui.base.sanitize import clean
from tui.base.storage import WriterLock
from tui.bus.acks import Acks
from tui.bus.scanner import BusSnapshot, Scanner
from tui.bus.stale import StaleWatch
from tui.ops import requests
from tui.ops.channels import SILENCE, Event
from tui.ops.deliveries import DeliveryWatch, sentence
from tui.ops.engine import Operations, RoundOutcome
from tui.ops.incidents import Incident
from tui.ops.maintenance import WARN_BEFORE, Window
from tui.ops.metrics import Metrics, MetricsError, MetricsServer, reload_endpoint
from tui.ops.notify import Outbox, Sender
from tui.ops.watcher_file import WATCHER_FILE, read_watcher, write_info

LADDER_FILE = "ladder.json"
TICK = 0.25  # seconds between looks at requests, ladders and the round in flight
SCAN_EVERY = 10.0  # seconds between scans of the ticket bus for the stale ladder
STOP_WITHIN = 1.5  # seconds a round in flight is waited for after SIGTERM


class Watcher:
    def __init__(
        self,
        root: Path,
        config: Config,
        log: Log,
        *,
        clock: Callable[[], datetime] = system_clock,
        time_scale: float = 1.0,
    ) -> None:
        self.root, self.config, self.log, self.clock = root, config, log, clock
        self.scale = time_scale
        self.folder = room_dir(root)
        self.lock = WriterLock(self.folder)
        self.stop = threading.Event()
        self.reload_asked = False
        self.host = socket.gethostname()
        self.since = clock()
        self.last_round_at: datetime | None = None
        self.info_problem: str | None = None
        self.unsaved_since: str | None = None  # records not written since (a full disk)
        self.active_windows: dict[tuple[str, datetime, datetime], Window] = {}
        self.warned_windows: set[tuple[str, datetime, datetime]] = set()

    # ------------------------------------------------------------------ start and stop

    def run(self) -> int:
        if self.folder.is_symlink():
            print(
                f"sisyphus-room watch: {self.folder} is a link: nothing is written through it "
                "(make .room a folder of the state root)",
                file=sys.stderr,
            )
            return 1
        try:
            self.folder.mkdir(exist_ok=True)
        except OSError as exc:
            print(
                f"sisyphus-room watch: cannot write {self.folder}: {exc.strerror}", file=sys.stderr
            )
            return 1
        if not self.lock.acquire():
            holder = read_watcher(self.folder)
            who = f"a watcher (pid {holder['pid']} on {holder['host']})" if holder else "a room"
            print(
                f"sisyphus-room watch: {who} holds {self.folder / 'lock'}: one writer at a time "
                "(close the room, then start the watcher; rooms opened after it attach to it)",
                file=sys.stderr,
            )
            return 1
        try:
            self._install_signals()
            try:
                self._start()
            except MetricsError as exc:
                print(f"sisyphus-room watch: {exc}", file=sys.stderr)
                return 2
            self._loop()
        finally:
            self._finish()
        return 0

    def _install_signals(self) -> None:
        def stop(signum: int, _frame: Any) -> None:
            self.stop.set()

        def reload(signum: int, _frame: Any) -> None:
            self.reload_asked = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, reload)

    def _start(self) -> None:
        self.metrics: Metrics | None = None
        self.metrics_server: MetricsServer | None = None
        if self.config.metrics_listen:
            self.metrics = Metrics(self.config, self.config.vantage or self.host)
            self.metrics_server = MetricsServer(self.metrics, self.config)
            self.metrics_server.start()
        now = self.clock()
        self.ops = Operations(self.root, self.config, writer=True, now=now)
        self.acks = Acks(self.folder, read_only=False)
        self.outbox = Outbox(self.folder)
        self.sender = Sender(self.outbox, self.config.notify, self.log)
        self.scanner = Scanner(self.root, self.config.roles)
        self.stale = StaleWatch(self.config.stale_after)
        self.delivery_watch = DeliveryWatch()
        self.bus: BusSnapshot | None = None
        self.freeze_id: str | None = None
        self._load_ladder()
        view = self.ops.view(now)
        self.previous = {(r.site, r.check): r.ok for r in view.results}
        self.frozen = view.budget.freeze
        for note in self.ops.notes + self.acks.notes + self.outbox.notes:
            self.log("problem", {"text": note})
        self._write_info()
        self.log(
            "watcher started",
            {
                "pid": os.getpid(),
                "state": str(self.root),
                "sites": len(self.config.sites),
                "interval_s": self.config.probe_interval.total_seconds(),
                "channels": ",".join(c.name for c in self.config.notify) or "none",
                "time_scale": self.scale if self.scale != 1 else None,
                "metrics": (
                    f"http://{self.metrics_server.address}/metrics"
                    + (" (bearer token)" if self.metrics_server.protected else "")
                    if self.metrics_server
                    else None
                ),
            },
        )
        self.sender.start()
        self.round_thread: threading.Thread | None = None
        self.outcome: RoundOutcome | None = None
        self.confirming = False  # the thread in flight probes again the checks that began failing
        self.confirm_at: float | None = None
        self.unconfirmed: list[str] = []
        self.next_round = time.monotonic()
        self.next_scan = time.monotonic()

    def _finish(self) -> None:
        server = getattr(self, "metrics_server", None)
        if server is not None:
            server.stop()
        sender = getattr(self, "sender", None)
        if sender is not None:
            sender.stop(wait=0.3)
        thread = getattr(self, "round_thread", None)
        if thread is not None and thread.is_alive():
            thread.join(STOP_WITHIN)
            if thread.is_alive():
                self.log("round abandoned", {"reason": "stopping"})
        if hasattr(self, "ops"):
            self.ops.close()
        if hasattr(self, "outbox"):
            with contextlib.suppress(OSError):
                self.outbox.save()
        self._write_info(stopped=True)  # read as: nobody probes since its last round
        self.lock.release()
        self.log("watcher stopped", {"pid": os.getpid()})

    # ------------------------------------------------------------------ the loop

    def _loop(self) -> None:
        while not self.stop.is_set():
            try:
                self._step()
            except Exception as exc:  # one bad step is logged; the watch goes on
                self.log("error", {"text": clean(one_line(exc))})
            self.stop.wait(TICK)

    def _step(self) -> None:
        if time.monotonic() >= self.next_scan:
            self.next_scan = time.monotonic() + SCAN_EVERY / self.scale
            self._stale()
        self._round_step()
        self._requests()
        self._escalate()
        self._deliveries()

    def _round_step(self) -> None:
        if self.round_thread is not None and not self.round_thread.is_alive():
            self.round_thread = None
            if self.outcome is not None:
                if self.confirming:
                    self._after_confirm(self.outcome)
                else:
                    self._after_round(self.outcome)
                self._arm_confirmation()
        if self.reload_asked and self.round_thread is None:  # between rounds, never during one
            self.reload_asked = False
            self._reload()
        if self.round_thread is None and time.monotonic() >= self.next_round:
            interval = self.config.probe_interval.total_seconds() / self.scale
            self.next_round = time.monotonic() + interval
            self._run_thread(self._round, confirming=False)
        elif self.round_thread is None and self.confirm_at and time.monotonic() >= self.confirm_at:
            self.confirm_at = None
            self._run_thread(self._confirm, confirming=True)

    def _run_thread(self, work: Callable[[], None], *, confirming: bool) -> None:
        self.outcome, self.confirming = None, confirming
        self.round_thread = threading.Thread(target=work, name="round", daemon=True)
        self.round_thread.start()

    def _arm_confirmation(self) -> None:
        """A check that began failing is probed again after `confirm_after`, before the next
        round when that is sooner: the incident opens at `open_after` failures in a row."""
        self.unconfirmed = self.ops.unconfirmed()
        wait = self.config.confirm_after.total_seconds() / self.scale
        soon = time.monotonic() + wait
        self.confirm_at = soon if self.unconfirmed and soon < self.next_round else None

    def _confirm(self) -> None:
        self.outcome = self.ops.confirm(self.clock, self.unconfirmed)

    def _after_confirm(self, outcome: RoundOutcome) -> None:
        now = self.clock()
        failing = sorted({r.site or "" for r in outcome.results if not r.ok})
        self.log(
            "confirmation", {"sites": ", ".join(self.unconfirmed), "failing": ", ".join(failing)}
        )
        if outcome.error:
            self.log("round failed", {"error": outcome.error})
        self._notify(self._incidents(outcome, now))

    def _round(self) -> None:
        started = time.monotonic()
        tickets = self.bus.tickets if self.bus is not None else None
        outcome = self.ops.round(self.clock, tickets=tickets)
        self.round_seconds = time.monotonic() - started
        self.outcome = outcome

    def _after_round(self, outcome: RoundOutcome) -> None:
        now = self.clock()
        self.last_round_at = now
        if outcome.error:
            self.log("round failed", {"error": outcome.error})
        if self.metrics is not None:
            self.metrics.observe_round(outcome.results, self.config)
            self.metrics.set_view(outcome.view)
        failing = [r for r in outcome.results if not r.ok]
        self.log(
            "round",
            {
                "checks": len(outcome.results),
                "failing": len(failing),
                "seconds": round(getattr(self, "round_seconds", 0.0), 2),
            },
        )
        for result in outcome.results:
            before = self.previous.get((result.site, result.check))
            if before is not None and before != result.ok:
                self.log(
                    "probe up" if result.ok else "probe down",
                    {"site": result.site, "check": result.check, "detail": result.detail},
                )
            self.previous[(result.site, result.check)] = result.ok
        unsaved = list(self.ops.unsaved)
        if unsaved and not self.unsaved_since:
            self.unsaved_since = iso(now)
            self.log("records not saved", {"text": "; ".join(unsaved), "goes_on": "from memory"})
        elif not unsaved and self.unsaved_since:
            self.log("records saved again", {"since": self.unsaved_since})
            self.unsaved_since = None
        for problem in outcome.problems:
            if problem not in unsaved:  # said once above, not every round
                self.log("problem", {"text": problem})
        self._windows(outcome, now)
        for delivery in outcome.turned_not_live:
            self.log(
                "delivery not live",
                {"ticket": delivery.ticket, "url": delivery.shown_url, "detail": delivery.detail},
            )
        events = self._incidents(outcome, now) + self._freeze(outcome, now)
        self._notify(events)
        self._write_info()

    def _incidents(self, outcome: RoundOutcome, now: datetime) -> list[Event]:
        """What opened and resolved in a round or a confirmation, logged; the closing events."""
        for incident in outcome.opened:  # a refire is the same incident, a new episode
            if incident.episode > 1:
                fields = _incident_fields(incident) | {"episode": incident.episode}
                self.log("incident fired again", fields)
            else:
                self.log("incident opened", _incident_fields(incident))
        for incident in outcome.resolved:
            self.log("incident resolved", _incident_fields(incident))
        closing = [self._closing(incident, now) for incident in outcome.resolved]
        return [event for event in closing if event is not None]

    def _windows(self, outcome: RoundOutcome, now: datetime) -> None:
        """Maintenance windows starting and ending, and one ending soon on a failing site."""
        active = {(w.source, w.start, w.end): w for w in self.ops.windows if w.active(now)}
        for key in active.keys() - self.active_windows.keys():
            window = active[key]
            self.log("maintenance started", {"window": window.words(), "reason": window.reason})
        for key in self.active_windows.keys() - active.keys():
            self.log("maintenance ended", {"window": self.active_windows[key].words()})
        self.active_windows = active
        failing = {r.site for r in outcome.results if not r.ok and r.site}
        for key, window in active.items():
            down = sorted(s for s in failing if window.covers(s, now))
            if down and window.end - now <= WARN_BEFORE and key not in self.warned_windows:
                self.warned_windows.add(key)
                self.log(
                    "maintenance ending, site failing",
                    {"window": window.words(), "failing": ", ".join(down)},
                )

    def _closing(self, incident: Incident, now: datetime) -> Event | None:
        if incident.tier == 0:  # never announced: nobody to tell it is over
            return None
        return Event(
            "incident",
            incident.id,
            f"{incident.id} resolved: {incident.site or 'platform'} {incident.check}",
            iso(now) or "",
            tier=incident.tier,
            state="resolved",
            site=incident.site,
            slo=incident.slo,
        )

    def _freeze(self, outcome: RoundOutcome, now: datetime) -> list[Event]:
        frozen = outcome.view.budget.freeze
        if frozen == self.frozen:
            return []
        self.frozen = frozen
        names = ", ".join(
            f"{s.site or 'platform'} {s.name}" for s in outcome.view.budget.statuses if s.frozen
        )
        if frozen:
            self.freeze_id = f"freeze-{now:%Y%m%dT%H%M%S}"
            self._save_ladder()
            self.log("freeze on", {"budgets": names})
            return [Event("freeze", self.freeze_id, f"deploy freeze: {names}", iso(now) or "")]
        self.log("freeze off", {})
        freeze_id, self.freeze_id = self.freeze_id or "freeze", None
        self._save_ladder()
        return [
            Event("freeze", freeze_id, "deploy freeze lifted", iso(now) or "", state="resolved")
        ]

    # ------------------------------------------------------------------ ladders

    def _deliveries(self) -> None:
        """Done tickets that are not live, on the stale ladder from their first failed check."""
        now = self.clock()
        due = self.delivery_watch.step(self.ops.deliveries.all(), now)
        if not due:
            return
        events = [
            Event(
                "delivery",
                f"{delivery.ticket}@{delivery.failing_since}",
                clean(sentence(delivery, now)),
                iso(now) or "",
                tier=rung,
                ticket=delivery.ticket,
            )
            for delivery, rung in due
        ]
        self._notify(events)
        self._save_ladder()

    def _stale(self) -> None:
        now = self.clock()
        bus = self.bus = self.scanner.scan()
        if not bus.unreadable:  # every inbox read: acks of tickets gone are dropped
            self.acks.forget_missing({ticket.id for ticket in bus.tickets})
        if self.metrics is not None:
            self.metrics.set_bus(bus, self.config, now)
        acked = self.acks.ids()
        due, _ = self.stale.step(bus.tickets, acked, now)
        if not due:
            return
        events = []
        for ticket in due:
            rung = self.stale.announcer.reached.get(ticket.id, 1)
            waited = now - ticket.created
            text = (
                f"{ticket.id} from {ticket.shown_sender} to {ticket.role} has waited "
                f"{int(waited.total_seconds() // 60)} min for an answer: {ticket.subject}"
            )
            self.log("stale raised", {"ticket": ticket.id, "role": ticket.role, "rung": rung})
            events.append(
                Event("stale", ticket.id, clean(text), iso(now) or "", tier=rung, ticket=ticket.id)
            )
        self._notify(events)  # the outbox on disk first, then the ladder: nothing due is lost
        self._save_ladder()

    def _escalate(self) -> None:
        now = self.clock()
        due = self.ops.due_escalations(now)  # saved below, once their notifications are queued
        if not due:
            return
        events = []
        for incident in due:
            self.log("incident announced", _incident_fields(incident) | {"tier": incident.tier})
            events.append(
                Event(
                    "incident",
                    incident.id,
                    clean(
                        f"{incident.id} firing: {incident.site or 'platform'} {incident.check}: {incident.detail}"
                    ),
                    iso(now) or "",
                    tier=incident.tier,
                    site=incident.site,
                    slo=incident.slo,
                    about=f"episode-{incident.episode}" if incident.episode > 1 else None,
                )
            )
        self._notify(events)
        for problem in self.ops.save_book():
            if not (self.unsaved_since and " not saved: " in problem):  # said once already
                self.log("problem", {"text": problem})

    def _notify(self, events: list[Event]) -> None:
        queued = False
        for event in events:
            names = self.outbox.put(event, self.config.notify)
            queued = queued or bool(names)
        if queued:
            try:
                self.outbox.save()
            except OSError as exc:
                self.log("outbox not saved", {"error": clean(str(exc))})
            self.sender.kick()

    def _load_ladder(self) -> None:
        try:
            data = json.loads(read_file(self.folder / LADDER_FILE, 4 << 20))
            reached = data.get("stale", {}) if isinstance(data, dict) else {}
            self.stale.announcer.reached = {
                str(k): v for k, v in reached.items() if isinstance(v, int) and v >= 0
            }
            delivered = data.get("delivery", {})
            self.delivery_watch.announcer.reached = {
                str(k): v for k, v in delivered.items() if isinstance(v, int) and v >= 0
            }
            freeze_id = data.get("freeze")
            self.freeze_id = freeze_id if isinstance(freeze_id, str) else None
        except FileNotFoundError:
            return
        except (OSError, NotAFile, ValueError, AttributeError) as exc:
            self.log(
                "problem", {"text": clean(f"{LADDER_FILE} unreadable, ladders start over: {exc}")}
            )

    def _save_ladder(self) -> None:
        data = {
            "stale": self.stale.announcer.reached,
            "delivery": self.delivery_watch.announcer.reached,
            "freeze": self.freeze_id,
        }
        try:
            write_atomic(self.folder / LADDER_FILE, json.dumps(data).encode())
        except OSError as exc:
            self.log("problem", {"text": clean(f"{LADDER_FILE} not written: {exc}")})

    # ------------------------------------------------------------------ requests and reload

    def _requests(self) -> None:
        found, problems = requests.pending(self.folder)
        for problem in problems:
            self.log("problem", {"text": problem})
        if not found:
            return
        results = []
        with self.acks.batch() as unsaved:  # the ticket acks of one look: one write of the file
            for request in found:
                results.append(
                    (request, requests.apply(request, self.ops, self.acks, self.clock()))
                )
        for problem in unsaved:
            self.log("problem", {"text": problem})
        for request, message in results:  # removed once what they did is on disk
            event = {"ack": "acknowledged", "resolve": "resolved by hand"}.get(
                request.action, "silenced"
            )
            self.log(event, {"id": request.target, "by": request.by, "result": message})
            requests.done(request)
            incident = self.ops.book.get(request.target)
            now = self.clock()
            if incident is not None and request.action == "silence" and incident.silenced(now):
                # Alertmanager keeps the silence too (the room's own channels just stop).
                self._notify([silence_event(incident, request.by, now)])
            if incident is not None and request.action == "resolve" and not incident.open:
                closing = self._closing(incident, self.clock())
                self._notify([closing] if closing else [])
        self.next_scan = 0.0  # an acknowledged ticket leaves the ladder now

    def _reload(self) -> None:
        try:
            config = load_config(self.root)
        except ConfigError as exc:
            self.log("config not reloaded", {"error": str(exc), "kept": "the old config"})
            return
        old = self.config
        self.config = config
        self.metrics, self.metrics_server = reload_endpoint(
            self.metrics, self.metrics_server, old, config, self.host, self.log
        )
        now = self.clock()
        self.ops.store.flush()
        self.ops.close()
        self.ops = Operations(self.root, config, writer=True, now=now)
        self.sender.set_channels(config.notify)
        self.scanner = Scanner(self.root, config.roles)
        reached = self.stale.announcer.reached
        self.stale = StaleWatch(config.stale_after)
        self.stale.announcer.reached = reached
        self.next_round = time.monotonic()
        self.log("config reloaded", {"sites": len(config.sites), "channels": len(config.notify)})

    def _write_info(self, *, stopped: bool = False) -> None:
        data = {
            "pid": os.getpid(),
            "host": self.host,
            "since": iso(self.since),
            "last_round_at": iso(self.last_round_at),
            "vantage": self.config.vantage or self.host,
            "probe_interval_s": (self.config.probe_interval.total_seconds() / self.scale),
            "stopped_at": iso(self.clock()) if stopped else None,
            "unsaved_since": self.unsaved_since,
            "unsaved": list(self.ops.unsaved) if hasattr(self, "ops") else [],
        }
        try:
            write_info(self.folder, data)
            self.info_problem = None
        except OSError as exc:
            if self.info_problem is None:
                self.log("problem", {"text": clean(f"{WATCHER_FILE} not written: {exc}")})
            self.info_problem = str(exc)


def silence_event(incident: Incident, by: str, now: datetime) -> Event:
    return Event(
        SILENCE,
        incident.id,
        clean(f"{incident.silence_note or ''} (silenced in the Sisyphus room by {by})"),
        iso(now) or "",
        state="silenced",
        by=by,
        about=incident.silenced_until,
        until=incident.silenced_until,
    )


def _incident_fields(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "site": incident.site,
        "check": incident.check,
        "slo": incident.slo,
        "opened_at": incident.opened_at,
    }


def main(root: Path, config: Config, log_format: str, time_scale: float) -> int:
    clock = scaled_clock(time_scale)
    log = Log(sys.stdout, log_format, clock)
    return Watcher(root, config, log, clock=clock, time_scale=time_scale).run()
