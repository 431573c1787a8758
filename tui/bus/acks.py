"""Acknowledged stale tickets, kept in `.room/acks.json` so they survive a restart."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tinydb import Query

from tui.base.clock import iso
from tui.base.storage import open_db


class Acks:
    def __init__(self, folder: Path, *, read_only: bool) -> None:
        self.notes: list[str] = []
        self.read_only = read_only
        self.db = open_db(folder / "acks.json", read_only=read_only, notes=self.notes)

    def ids(self) -> set[str]:
        return {str(doc["ticket"]) for doc in self.db.all()}

    def acknowledge(self, ticket_id: str, who: str, now: datetime) -> None:
        if not self.db.contains(Query().ticket == ticket_id):
            self.db.insert({"ticket": ticket_id, "by": who, "at": iso(now)})

    def forget_missing(self, present: set[str]) -> None:
        """Drop acknowledgements of tickets that left every inbox (keeps the file bounded)."""
        gone = self.ids() - present
        if gone and not self.read_only:
            self.db.remove(Query().ticket.one_of(sorted(gone)))
