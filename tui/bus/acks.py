"""Acknowledged stale tickets, kept in `.room/acks.json` so they survive a restart.

The room reads and writes them from its screen and from worker threads, the watcher from its
loop: TinyDB is not thread-safe, so every use of the file goes through one lock."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from tinydb import Query

from tui.base.clock import iso
from tui.base.sanitize import clean
from tui.base.storage import open_db


class Acks:
    def __init__(self, folder: Path, *, read_only: bool) -> None:
        self.notes: list[str] = []
        self.read_only = read_only
        self.db = open_db(folder / "acks.json", read_only=read_only, notes=self.notes)
        self._batch: list[dict[str, str]] | None = None  # inside `batch()`: written at its end
        self._known: set[str] = set()  # inside `batch()`: every id acknowledged, file and batch
        self._lock = threading.RLock()  # held through a batch: its thread's acks are one write

    def reload(self) -> None:
        """Read the file again (a reading room follows what the writer acknowledged)."""
        with self._lock:
            self.db.storage.reload()  # type: ignore[attr-defined]

    def ids(self) -> set[str]:
        with self._lock:
            docs = self.db.all()
            found = {doc["ticket"] for doc in docs if isinstance(doc.get("ticket"), str)}
            return found | {doc["ticket"] for doc in self._batch or ()}

    def has(self, ticket_id: str) -> bool:
        """Whether the ticket is acknowledged (inside `batch()`, without reading every ack)."""
        with self._lock:
            return ticket_id in (self._known if self._batch is not None else self.ids())

    @contextlib.contextmanager
    def batch(self) -> Iterator[list[str]]:
        """Acknowledgements made inside are written once, at the end (5,000 requests at one look
        cost one write of the file, not 5,000 growing ones); yields the problems of that write."""
        problems: list[str] = []
        with self._lock:
            self._known = self.ids()
            self._batch = []
            try:
                yield problems
            finally:
                docs, self._batch, self._known = self._batch, None, set()
                if docs:
                    try:
                        self.db.insert_multiple(docs)
                    except OSError as exc:
                        problems.append(
                            clean(
                                f"acks.json not written ({exc.strerror or exc}): "
                                "kept in memory only"
                            )
                        )

    def acknowledge(self, ticket_id: str, who: str, now: datetime) -> str | None:
        """Record the acknowledgement; a write that fails keeps it in memory and says why."""
        with self._lock:
            if self.has(ticket_id):
                return None
            if self._batch is not None:
                self._batch.append({"ticket": ticket_id, "by": who, "at": iso(now) or ""})
                self._known.add(ticket_id)
                return None
            try:
                self.db.insert({"ticket": ticket_id, "by": who, "at": iso(now)})
            except OSError as exc:
                return clean(f"acks.json not written ({exc.strerror or exc}): kept in memory only")
            return None

    def forget_missing(self, present: set[str]) -> None:
        """Drop acknowledgements of tickets that left every inbox (keeps the file bounded)."""
        with self._lock:
            gone = self.ids() - present
            if gone and not self.read_only:
                with contextlib.suppress(OSError):  # tried again after the next scan
                    self.db.remove(Query().ticket.one_of(sorted(gone)))
