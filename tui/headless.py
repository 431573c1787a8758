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
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.base.clock import iso, scaled_clock, system_clock
from tui.base.config import Config, ConfigError
from tui.base.config_reading import load_config
from tui.base.crash import one_line
from tui.base.eventlog import Log
from tui.base.paths import room_dir
from tui.base.sanitize import clean
from tui.base.writer_lock import WriterLock
from tui.bus.acks import Acks
from tui.bus.scanner import BusSnapshot, Scanner
from tui.ops import requests
from tui.ops.engine import Operations
from tui.ops.happenings import Happening, IncidentFiring
from tui.ops.keeper import Keeper
from tui.ops.metrics import Metrics, MetricsError, MetricsServer, reload_endpoint
from tui.ops.notify import Outbox, Sender
from tui.ops.round_thread import RoundThread
from tui.ops.watcher_file import WATCHER_FILE, read_watcher, write_info

LADDER_FILE = "ladder.json"
TICK = 0.25  # seconds between looks at requests, ladders and the round in flight
SCAN_EVERY = 10.0  # seconds between scans of the ticket bus for the stale ladder
STOP_WITHIN = 0.5  # seconds a round in flight is waited for after SIGTERM (2 s in all, loaded)


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
        self.stop_asked_at: float | None = None  # monotonic time of SIGTERM or SIGINT
        self.reload_asked = False
        self.host = socket.gethostname()
        self.since = clock()
        self.last_round_at: datetime | None = None
        self.info_problem: str | None = None
        self.rescan = False  # a request was carried out: scan the bus at the next look

    # ------------------------------------------------------------------ start and stop

    def run(self) -> int:
        refused = claim(self.folder, self.lock)
        if refused:
            print(f"sisyphus-room watch: {refused}", file=sys.stderr)
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
        signal.signal(signal.SIGTERM, self._asked_to_stop)
        signal.signal(signal.SIGINT, self._asked_to_stop)
        signal.signal(signal.SIGHUP, lambda *_: setattr(self, "reload_asked", True))

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
        self.keeper = Keeper(self.config, self.ops.view(now))
        self.bus: BusSnapshot | None = None
        for note in (
            self.keeper.load(self.folder) + self.ops.notes + self.acks.notes + self.outbox.notes
        ):
            self.log("problem", {"text": note})
        self._write_info()
        self.log("watcher started", started_fields(self))
        self.sender.start()
        self.rounds = RoundThread(self.ops, self.clock, self.config, self.scale)

    def _finish(self) -> None:
        server = getattr(self, "metrics_server", None)
        if server is not None:
            server.stop()
        if hasattr(self, "sender"):
            self.sender.stop(wait=0.3)
        rounds = getattr(self, "rounds", None)
        if rounds is not None and not rounds.join(STOP_WITHIN):
            self.log("round abandoned", {"reason": "stopping"})
        if hasattr(self, "ops"):
            self.ops.close()
        if hasattr(self, "outbox"):
            with contextlib.suppress(OSError):
                self.outbox.save()
        self._write_info(stopped=True)  # read as: nobody probes since its last round
        self.lock.release()
        fields: dict[str, Any] = {"pid": os.getpid()}
        if self.stop_asked_at is not None:  # by its own clock, from the signal to this line
            fields["stopping_s"] = round(time.monotonic() - self.stop_asked_at, 3)
        self.log("watcher stopped", fields)

    def _asked_to_stop(self, *_: object) -> None:
        """SIGTERM or SIGINT: the loop ends, the round in flight gets STOP_WITHIN seconds."""
        if self.stop_asked_at is None:
            self.stop_asked_at = time.monotonic()
        self.stop.set()

    # ------------------------------------------------------------------ the loop

    def _loop(self) -> None:
        next_scan = time.monotonic()
        while not self.stop.is_set():
            try:
                if time.monotonic() >= next_scan or self.rescan:
                    next_scan, self.rescan = time.monotonic() + SCAN_EVERY / self.scale, False
                    self._scan()
                self._rounds()
                self._requests()
                self._tell(self.keeper.firing(self.ops.due_escalations(self.clock()), self.clock()))
                self._tell(self.keeper.deliveries_due(self.ops.deliveries.all(), self.clock()))
            except Exception as exc:  # one bad step is logged; the watch goes on
                self.log("error", {"text": clean(one_line(exc))})
            self.stop.wait(TICK)

    def _rounds(self) -> None:
        finished = self.rounds.finished()
        if finished is not None:
            outcome, confirmed, seconds = finished
            now = self.clock()
            if confirmed is not None:
                self._tell(self.keeper.confirmed(outcome, confirmed, now))
            else:
                self.last_round_at = now
                if self.metrics is not None:
                    self.metrics.observe_round(outcome.results, self.config)
                    self.metrics.set_view(outcome.view)
                self._tell(self.keeper.round(outcome, now, seconds, list(self.ops.unsaved)))
                self._write_info()
        if self.reload_asked and self.rounds.idle:  # between rounds, never during one
            self.reload_asked = False
            self._reload()
        self.rounds.start_due(self.bus.tickets if self.bus is not None else None)

    def _scan(self) -> None:
        now = self.clock()
        bus = self.bus = self.scanner.scan()
        if not bus.unreadable:  # every inbox read: acks of tickets gone are dropped
            self.acks.forget_missing({ticket.id for ticket in bus.tickets})
        if self.metrics is not None:
            self.metrics.set_bus(bus, self.config, now)
        self._tell(self.keeper.scanned(bus.tickets, self.acks.ids(), now)[0])

    def _tell(self, happenings: Sequence[Happening]) -> None:
        """Log each event, queue its page on the outbox (on disk first), then save the ladders
        and the incident book: a rung is never marked reached before its page is queued."""
        if not happenings:
            return
        pages = []
        for happening in happenings:
            if happening.log:
                self.log(happening.log, happening.fields())
            page = happening.page()
            if page is not None:
                pages.append(page)
        if any([self.outbox.put(page, self.config.notify) for page in pages]):
            try:
                self.outbox.save()
            except OSError as exc:
                self.log("outbox not saved", {"error": clean(str(exc))})
            self.sender.kick()
        firing = any(isinstance(happening, IncidentFiring) for happening in happenings)
        problems = self.keeper.save(self.folder) + (self.ops.save_book() if firing else [])
        for problem in problems:
            if not (self.keeper.unsaved_since and " not saved: " in problem):  # said once already
                self.log("problem", {"text": problem})

    # ------------------------------------------------------------------ requests and reload

    def _requests(self) -> None:
        results, problems = requests.carry_out(self.folder, self.ops, self.acks, self.clock)
        for problem in problems:
            self.log("problem", {"text": problem})
        for request, said in results:  # removed once what they did is told and on disk
            incident = self.ops.book.get(request.target)
            self._tell(self.keeper.requested(request, said, incident, self.clock()))
            requests.done(request)
        self.rescan = self.rescan or bool(results)  # an acknowledged ticket leaves the ladder now

    def _reload(self) -> None:
        try:
            config = load_config(self.root)
        except ConfigError as exc:
            self.log("config not reloaded", {"error": str(exc), "kept": "the old config"})
            return
        old, self.config = self.config, config
        self.metrics, self.metrics_server = reload_endpoint(
            self.metrics, self.metrics_server, old, config, self.host, self.log
        )
        self.ops.store.flush()
        self.ops.close()
        self.ops = Operations(self.root, config, writer=True, now=self.clock())
        self.sender.set_channels(config.notify)
        self.scanner = Scanner(self.root, config.roles)
        self.keeper.reconfigured(config)
        self.rounds = RoundThread(self.ops, self.clock, config, self.scale)
        self.log("config reloaded", {"sites": len(config.sites), "channels": len(config.notify)})

    def _write_info(self, *, stopped: bool = False) -> None:
        data = info_of(self, self.clock() if stopped else None)
        try:
            write_info(self.folder, data)
            self.info_problem = None
        except OSError as exc:
            if self.info_problem is None:
                self.log("problem", {"text": clean(f"{WATCHER_FILE} not written: {exc}")})
            self.info_problem = str(exc)


def claim(folder: Path, lock: WriterLock) -> str | None:
    """Make `.room` and take the writer's lock; why not, in words."""
    if folder.is_symlink():
        return f"{folder} is a link: nothing is written through it (make .room a folder of the state root)"
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        return f"cannot write {folder}: {exc.strerror}"
    if lock.acquire():
        return None
    holder = read_watcher(folder)
    who = f"a watcher (pid {holder['pid']} on {holder['host']})" if holder else "a room"
    return (
        f"{who} holds {folder / 'lock'}: one writer at a time (close the room, then start the "
        "watcher; rooms opened after it attach to it)"
    )


def info_of(watcher: Watcher, stopped_at: datetime | None) -> dict[str, Any]:
    """What `.room/watcher.json` says: who keeps watch, since when, what it could not save."""
    keeper, config = getattr(watcher, "keeper", None), watcher.config
    return {
        "pid": os.getpid(),
        "host": watcher.host,
        "since": iso(watcher.since),
        "last_round_at": iso(watcher.last_round_at),
        "vantage": config.vantage or watcher.host,
        "probe_interval_s": (config.probe_interval.total_seconds() / watcher.scale),
        "stopped_at": iso(stopped_at),
        "unsaved_since": keeper.unsaved_since if keeper else None,
        "unsaved": list(watcher.ops.unsaved) if hasattr(watcher, "ops") else [],
    }


def started_fields(watcher: Watcher) -> dict[str, Any]:
    """The `watcher started` line: what it watches, how often, who hears it."""
    server = watcher.metrics_server
    return {
        "pid": os.getpid(),
        "state": str(watcher.root),
        "sites": len(watcher.config.sites),
        "interval_s": watcher.config.probe_interval.total_seconds(),
        "channels": ",".join(c.name for c in watcher.config.notify) or "none",
        "time_scale": watcher.scale if watcher.scale != 1 else None,
        "metrics": (
            f"http://{server.address}/metrics" + (" (bearer token)" if server.protected else "")
            if server
            else None
        ),
    }


def main(root: Path, config: Config, log_format: str, time_scale: float) -> int:
    clock = scaled_clock(time_scale)
    log = Log(sys.stdout, log_format, clock)
    return Watcher(root, config, log, clock=clock, time_scale=time_scale).run()
