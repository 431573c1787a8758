"""The room's two ends of the requests channel (`tui/ops/requests.py`), mixed into the app.

A room that reads a watcher's records leaves acknowledgements and resolutions for it and reads
the result shortly after; a room that holds the writer lock carries out the requests that
`sisyphus-room ack`/`resolve` leave, as they land (its `.room/requests/` is watched) and, in case
an event was missed, every few seconds.
"""

from __future__ import annotations

import getpass
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App

from tui.base.paths import room_dir
from tui.bus.acks import Acks
from tui.ops import requests
from tui.ops.engine import Operations
from tui.ops.keeper import Keeper
from tui.ops.outcomes import ActionOutcome
from widgets.parts import messages as m

REQUESTS_EVERY = 0.5  # looks for command-line requests without a watch; with one, they wake it
REQUESTS_FALLBACK = 3.0  # with a watch: a look in case an event was missed (`ack` waits 5 s)


class RequestsChannel(App[None]):
    """Sending to the watcher and taking requests as the writer (mixed into RoomApp)."""

    root: Path
    writer: bool
    watcher: dict[str, Any] | None
    operations: Operations
    acks: Acks
    clock: Callable[[], Any]
    _taking: threading.Lock  # held by the worker carrying out requests
    watch_files: bool
    keeper: Keeper

    def take_requests(self) -> None:
        """As the writer: look for the command line's requests from now on."""
        every = REQUESTS_FALLBACK if self.watch_files else REQUESTS_EVERY
        self.set_interval(every, self._look_for_requests, name="requests")

    def send_to_watcher(self, action: str, target: str, note: str, until: str = "") -> str:
        """Leave an action for the watcher (it carries it out within a second); read its records
        again shortly after. Returns what to tell the person."""
        from tui.ops import audit

        now = self.clock()
        try:
            requests.drop(room_dir(self.root), action, target, getpass.getuser(), note, now, until)
        except OSError as exc:
            return f"Not sent to the watcher: {exc.strerror or exc}."
        audit.record(room_dir(self.root), now, action, id=target, note=note, via="room")
        self.call_from_thread(self.set_timer, 1.0, self._follow_soon, name="follow")
        pid = self.watcher["pid"] if self.watcher else "?"
        return f"Sent to the watcher (pid {pid}): {action} {target}."

    @work(thread=True, group="follow", exit_on_error=False)
    def _follow_soon(self) -> None:
        self.post_message(m.RoundFinished(self.operations.follow(self.clock())))

    def _look_for_requests(self) -> None:
        """A worker only when a request is there (starting one twice a second for nothing was
        most of an idle room's own CPU), and one at a time: a request is carried out once."""
        if self.writer and not self._taking.locked() and requests.waiting(room_dir(self.root)):
            self._take_requests()

    @work(thread=True, group="requests", exit_on_error=False)
    def _take_requests(self) -> None:
        """Requests from `sisyphus-room ack`/`resolve` while this room is the writer."""
        if not self._taking.acquire(blocking=False):
            return  # another worker is taking them
        try:
            results, problems = requests.carry_out(
                room_dir(self.root), self.operations, self.acks, self.clock
            )
            for request, said in results:
                incident = self.operations.book.get(request.target)
                told = self.keeper.requested(request, said, incident, self.clock())
                requests.done(request)
                self.post_message(m.Told(tuple(told), self.operations.view(self.clock())))
        finally:
            self._taking.release()
        if problems:
            view = self.operations.view(self.clock())
            self.post_message(
                m.IncidentChanged(ActionOutcome("Requests set aside.", tuple(problems), view))
            )
