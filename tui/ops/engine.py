"""The round engine: one probe round end to end, and everything a person does to incidents.

`Operations` owns the mutable records of one state root (the probe store, the SLO history, the
incident book, the knowledge base). Every method that reads or changes them holds one lock, so a
round recorded in a worker thread and a detail read from another never meet half-way; network
probing happens outside the lock. Callers get frozen values back (`OpsView`, `RoundOutcome`):
nothing a caller holds is changed afterwards by another thread.

One engine for every caller: the room, `status --probe`, `check --probe` and the watcher.
"""

from __future__ import annotations

import contextlib
import copy
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from tui.base.clock import parse_iso
from tui.base.config import Config
from tui.base.crash import one_line
from tui.base.paths import room_dir
from tui.base.sanitize import clean
from tui.base.writer_lock import sweep_temp_files
from tui.bus.tickets import Ticket
from tui.ops import maintenance
from tui.ops.budgets import report, write_freeze
from tui.ops.checks import ProbeResult
from tui.ops.deliveries import Delivery, DeliveryBook
from tui.ops.history import History
from tui.ops.incident_actions import IncidentActions
from tui.ops.incident_record import Incident
from tui.ops.incidents import IncidentBook
from tui.ops.kb import load_kb
from tui.ops.maintenance import Window
from tui.ops.outcomes import OpsView, RoundOutcome
from tui.ops.postmortem import write_postmortem
from tui.ops.probe_store import ProbeStore
from tui.ops.readings import Readings
from tui.ops.suspects import suspects
from tui.ops.suspects import words as suspect_words

if TYPE_CHECKING:
    from tui.ops.delivery_checks import Checker
    from tui.ops.rounds import Arrived

Clock = Callable[[], datetime]
DELIVERY_GRACE = 2.0  # seconds a round waits, after its probes, for delivery checks under way
FLUSH_EVERY = 0.5  # seconds between writes of probes.json while a round's results arrive


class Operations(Readings, IncidentActions):
    """The records of one state root and the one way to change them."""

    def __init__(self, root: Path, config: Config, *, writer: bool, now: datetime) -> None:
        self.root = root
        self.config = config
        self.writer = writer
        self.folder = room_dir(root)
        self.unsaved: list[str] = []  # what the last round could not write (a full disk)
        self._lock = threading.RLock()
        if writer:
            sweep_temp_files(self.folder)  # what a writer killed mid-write left behind
        self.store = ProbeStore(self.folder, read_only=not writer)
        self.history = History(self.folder, read_only=not writer, window=config.slo_window)
        self.book = IncidentBook(self.folder, read_only=not writer)
        self.deliveries = DeliveryBook(root, self.folder, read_only=not writer)
        self._checker: Checker | None = None  # made, with its thread, for the first delivery
        self.delivery_grace = DELIVERY_GRACE  # a one-shot `check --probe` waits for every verdict
        self.kb, broken = load_kb(root)
        self.kb_broken = [f"{bad.path}: {bad.reason}" for bad in broken]
        self.budget = report(self.history, config, now, self.folder)
        self._last_flush = 0.0
        self.windows: list[Window] = maintenance.windows(config, (), now)
        self.done: list[Ticket] = []  # done tickets in the inboxes: an incident's suspects

    @property
    def notes(self) -> list[str]:
        """What went wrong reading the records at start (a file set aside, unreadable)."""
        return self.store.notes + self.history.notes + self.book.notes + self.deliveries.notes

    # ------------------------------------------------------------------ reading

    def view(self, now: datetime) -> OpsView:
        with self._lock:
            return self._view(now)

    def _view(self, now: datetime) -> OpsView:
        history = {
            site.name: tuple(
                latency if ok else None for _, ok, latency in self.store.history(site.name, "http")
            )
            for site in self.config.sites
        }
        incidents = copy.deepcopy(self.book.incidents)
        for incident in incidents:
            if incident.open:  # what it has spent so far, shown as it grows
                incident.budget_burned = self.burned(incident, now)
        return OpsView(
            results=tuple(self.store.latest()),
            budget=self.budget,
            incidents=tuple(incidents),
            http_history=MappingProxyType(history),
            kb=tuple(self.kb),
            kb_broken=tuple(self.kb_broken),
            next_escalation=self.book.next_escalation(now),
            failing_since=MappingProxyType(
                {
                    key: datetime.fromtimestamp(since, UTC)
                    for key, (bad, _, since) in self.book.streaks.items()
                    if bad and since
                }
            ),
            deliveries=tuple(self.deliveries.all()),
            unverified=tuple(self.deliveries.unverified),
            windows=tuple(maintenance.relevant(self.windows, now)),
            quiet=self.quiet(now),
        )

    # ------------------------------------------------------------------ a round

    @property
    def checker(self) -> Checker:
        """The deliveries' checks, in their own loop: asyncio and httpx load with the first."""
        if self._checker is None:
            from tui.ops.delivery_checks import Checker

            self._checker = Checker()
        return self._checker

    @checker.setter
    def checker(self, checker: Checker) -> None:
        self._checker = checker

    def _run_round(
        self, config: Config, clock: Clock, on_result: Arrived | None = None
    ) -> list[ProbeResult]:
        """One round of `config`'s checks. asyncio, ssl and h11 load with the first: a command
        that only reads or writes the records (`ack`, `reply`) never pays for them."""
        import asyncio

        from tui.ops.rounds import probe_round

        return asyncio.run(probe_round(self.root, config, clock, on_result=on_result))

    def probe(self, clock: Clock, on_result: Arrived | None = None) -> list[ProbeResult]:
        """Probe every configured check once, without recording (outside the lock)."""
        return self._run_round(self.config, clock, on_result)

    def _probe_all(
        self, clock: Clock, on_result: Arrived | None, deliveries: list[Delivery]
    ) -> tuple[list[ProbeResult], dict[str, tuple[bool, str]]]:
        """The sites' checks, with the deliveries' checks under way beside them in their own
        loop: the round takes the verdicts ready by its end plus DELIVERY_GRACE seconds, and a
        check still under way is taken by a later round (outside the lock)."""
        self.checker.submit(deliveries)
        results = self._run_round(self.config, clock, on_result)
        return results, self.checker.collect(self.delivery_grace)

    def round(
        self,
        clock: Clock,
        on_result: Arrived | None = None,
        now: datetime | None = None,
        tickets: tuple[Ticket, ...] | list[Ticket] | None = None,
    ) -> RoundOutcome:
        """One round end to end; never raises. A reader follows what the writer recorded.

        With `tickets` (the inboxes as last read), the done tickets among them are learned as
        deliveries, and every delivery in its window is checked in the same round.
        """
        try:
            if tickets is not None:  # a reader shows the tickets' windows too
                self.windows = maintenance.windows(self.config, tickets, now or clock())
                self.done = [t for t in tickets if t.status == "done"]
            if not self.writer:
                return self.follow(now or clock())

            def arrived(batch: list[ProbeResult]) -> None:
                self._arrived(batch)
                if on_result is not None:
                    on_result(batch)

            if tickets is not None:
                with self._lock:
                    self.deliveries.learn(tickets, self.config.verify_window, now or clock())
            results, verdicts = self._probe_all(clock, arrived, self.deliveries.all())
            return self.record(results, now or clock(), verdicts)
        except Exception as exc:  # a round that raises is reported; the caller schedules the next
            error = clean(f"probe round failed: {one_line(exc)}")
            return RoundOutcome((), (), (), (), error, self.view(now or clock()))

    def unconfirmed(self) -> list[str]:
        """Sites with a check failing fewer than `open_after` times in a row and no incident for
        it yet: a confirmation probe decides sooner than the next round."""
        with self._lock:
            found = set()
            for key, (bad, _, _) in self.book.streaks.items():
                site, _, check = key.partition("/")
                waiting = 0 < bad < self.config.open_after and site != "*"
                if waiting and self.book.open_for(site, check) is None:
                    found.add(site)
            known = {s.name for s in self.config.sites}
            return sorted(found & known)

    def confirm(self, clock: Clock, sites: list[str]) -> RoundOutcome:
        """Probe these sites' checks again, now: the results go to the probe history and the
        incident streaks (an incident opens at `open_after` failures in a row), never to the
        budgets, which count the rounds' probes only. Never raises."""
        try:
            chosen = tuple(s for s in self.config.sites if s.name in sites)
            narrow = replace(self.config, sites=chosen, backups_path=None, containers_command=None)
            results = self._run_round(narrow, clock)
            now = clock()
            with self._lock:
                self.store.record(results, write=False)
                with contextlib.suppress(OSError):
                    self._flush()
                problems: list[str] = []
                opened, resolved = self._observe(results, now, problems, "on a confirmation probe")
                return RoundOutcome(
                    results=tuple(results),
                    opened=opened,
                    resolved=resolved,
                    problems=tuple(problems),
                    error=None,
                    view=self._view(now),
                )
        except Exception as exc:  # reported; the next round comes anyway
            error = clean(f"confirmation probe failed: {one_line(exc)}")
            return RoundOutcome((), (), (), (), error, self.view(clock()))

    def close(self) -> None:
        """Stop the deliveries' checks (a reload makes a new Operations)."""
        if self._checker is not None:
            self._checker.close()

    def _arrived(self, batch: list[ProbeResult]) -> None:
        """Results recorded as they arrive: probes.json at most every FLUSH_EVERY seconds. A
        write that fails (a full disk) costs the file, never the round: the round's end says it."""
        with self._lock:
            self.store.record(batch, write=False)
            if time.monotonic() - self._last_flush >= FLUSH_EVERY:
                with contextlib.suppress(OSError):
                    self._flush()

    def _flush(self) -> None:
        self._last_flush = time.monotonic()
        self.store.flush()

    def record(
        self,
        results: list[ProbeResult],
        now: datetime,
        verdicts: dict[str, tuple[bool, str]] | None = None,
    ) -> RoundOutcome:
        """Count a round's results: history, budgets, the freeze file, incidents, post-mortems,
        and the deliveries' verdicts."""
        problems: list[str] = []
        with self._lock:
            turned = self.deliveries.record(verdicts or {}, now)
            if self.deliveries.over:
                problems.append(
                    f"{self.deliveries.over:,} deliveries beyond the newest 2,000 in the verify "
                    "window are not checked (archive the old done tickets)"
                )
            try:
                self.deliveries.save()
            except OSError as exc:
                problems.append(clean(f"deliveries not saved: {exc}"))
            # Counted in memory first: a full or read-only disk costs records, never the round's
            # incidents and pages. What was not written is said and tried again next round.
            planned = [r for r in results if maintenance.covering(self.windows, r.site, r.at)]
            self.history.add([r for r in results if r not in planned], self.config)
            self.history.add(planned, self.config, apart=True)  # kept apart: no budget reads it
            for what, save in (
                ("probe results", self._flush),
                ("history", lambda: self.history.save(now)),
            ):
                try:
                    save()
                except OSError as exc:
                    problems.append(clean(f"{what} not saved: {exc.strerror or exc}"))
            try:
                self.budget = report(self.history, self.config, now, self.folder)
                write_freeze(self.folder, self.budget, now)
            except OSError as exc:
                self.budget = report(self.history, self.config, now)
                problems.append(clean(f"freeze.json not saved: {exc.strerror or exc}"))
            opened, resolved = self._observe(results, now, problems)
            self.unsaved = [p for p in problems if " not saved: " in p]
            return RoundOutcome(
                results=tuple(results),
                opened=opened,
                resolved=resolved,
                problems=tuple(problems),
                error=None,
                view=self._view(now),
                turned_not_live=tuple(turned),
            )

    def _observe(
        self, results: list[ProbeResult], now: datetime, problems: list[str], how: str = ""
    ) -> tuple[tuple[Incident, ...], tuple[Incident, ...]]:
        """Feed results to the incidents (under the lock): what opened, with its suspects on the
        record from the start, and what resolved, with its post-mortem; the book saved. Copies
        of both are returned."""
        changed = self.book.observe(
            results, self.budget, self.config, now, self.kb, self.quiet(now)
        )
        for incident in changed:  # what changed before it broke
            if incident.open and not incident.suspects:
                if how:
                    incident.note(now, f"opened {how}")
                first_bad = parse_iso(incident.first_bad_at)
                incident.suspects = suspects(incident.site, first_bad, self.done, self.config)
                for suspect in incident.suspects:
                    incident.note(now, f"suspect: {suspect_words(suspect)}")
        resolved = [incident for incident in changed if not incident.open]
        for incident in resolved:
            incident.budget_burned = self.burned(incident, now)
            problems.extend(self._closed(incident, now))
        problems.extend(self._save_book())
        opened = [incident for incident in changed if incident.open]
        return tuple(copy.deepcopy(opened)), tuple(copy.deepcopy(resolved))

    def keep_freeze_file(self, now: datetime) -> list[str]:
        """`.room/freeze.json` as the budgets are now (a writer's reading commands keep it true)."""
        with self._lock:
            try:
                write_freeze(self.folder, self.budget, now)
            except OSError as exc:
                return [clean(f"freeze.json not written: {exc}")]
        return []

    def follow(self, now: datetime) -> RoundOutcome:
        """A reader: read again what the writer recorded."""
        with self._lock:
            self.store.reload()
            self.history.load()
            self.book.load()
            self.deliveries.load()
            self.budget = report(self.history, self.config, now, self.folder)
            view = self._view(now)
        return RoundOutcome(view.results, (), (), (), None, view)

    def _closed(self, incident: Incident, now: datetime) -> list[str]:
        """A resolved incident: the post-mortem to the architect, and the KB learns."""
        problems = []
        problem = write_postmortem(self.root, incident, now)
        if problem:
            problems.append(f"{incident.id}: {problem}")
        try:
            self.book.learn(incident, self.kb)
            self._reload_kb()
        except OSError as exc:
            problems.append(clean(f"{incident.id}: KB not updated: {exc}"))
        return problems

    def _save_book(self) -> list[str]:
        try:
            self.book.save()
        except OSError as exc:
            return [clean(f"incidents not saved: {exc}")]
        return []

    def _reload_kb(self) -> None:
        self.kb, broken = load_kb(self.root)
        self.kb_broken = [f"{bad.path}: {bad.reason}" for bad in broken]

    # ------------------------------------------------------------------ escalation and actions

    def escalate(self, now: datetime) -> tuple[tuple[Incident, ...], OpsView]:
        """Firing incidents whose next rung has come (60 s, 5 min, then every 15 min)."""
        with self._lock:
            due = self.book.escalations(now, self.quiet(now))
            if due and self.writer:
                self._save_book()
            return tuple(copy.deepcopy(due)), self._view(now)

    def due_escalations(self, now: datetime) -> tuple[Incident, ...]:
        """`escalate` for the watcher, which asks four times a second and shows nothing: no view
        is built, and the rungs are saved by `save_book` once their notifications are queued."""
        with self._lock:
            return tuple(copy.deepcopy(self.book.escalations(now, self.quiet(now))))

    def quiet(self, now: datetime) -> frozenset[str]:
        """The sites in a maintenance window now: they open nothing and page nothing."""
        names = {site.name for site in self.config.sites}
        return frozenset(n for n in names if maintenance.covering(self.windows, n, now))

    def save_book(self) -> list[str]:
        with self._lock:
            return self._save_book() if self.writer else []
