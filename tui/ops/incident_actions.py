"""A person's actions on an incident (acknowledge, resolve, silence, save to the knowledge base),
mixed into the round engine: each under its lock, saved by the writer, with the view after."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tui.base.clock import iso
from tui.base.sanitize import clean
from tui.ops.incident_record import Incident
from tui.ops.incidents import IncidentBook
from tui.ops.kb import save_entry
from tui.ops.outcomes import ActionOutcome, OpsView


class IncidentActions:
    """`act` for the round engine (`tui.ops.engine.Operations`)."""

    root: Path
    writer: bool
    book: IncidentBook
    _lock: threading.RLock

    if TYPE_CHECKING:  # the engine's

        def _view(self, now: datetime) -> OpsView: ...

        def burned(self, incident: Incident, now: datetime) -> float | None: ...

        def _closed(self, incident: Incident, now: datetime) -> list[str]: ...

        def _save_book(self) -> list[str]: ...

        def _reload_kb(self) -> None: ...

    def act(
        self,
        action: str,
        incident_id: str,
        who: str,
        note: str,
        now: datetime,
        until: datetime | None = None,
    ) -> ActionOutcome:
        """`ack`, `resolve`, `silence` (its pages stop `until` then) or `kb` (save the incident's
        pattern to the knowledge base)."""
        note = clean(note)
        problems: list[str] = []
        with self._lock:
            incident = self.book.get(incident_id)
            if incident is None:
                return ActionOutcome(f"No incident {incident_id}.", (), self._view(now))
            if action == "ack":
                if incident.state != "triggered":
                    return ActionOutcome(
                        f"{incident.id} is {incident.state}: only a firing incident is acknowledged.",
                        (),
                        self._view(now),
                    )
                self.book.acknowledge(incident, who, note, now)
                message = f"Acknowledged {incident.id}: no more reminders."
            elif action == "resolve":
                if not incident.open:
                    return ActionOutcome(f"{incident.id} is already closed.", (), self._view(now))
                how = f"resolved by hand: {note or 'no note'}"
                self.book.resolve(incident, now, how)
                incident.budget_burned = self.burned(incident, now)
                if self.writer:
                    problems.extend(self._closed(incident, now))
                message = f"{incident.id} closed: {how}."
            elif action == "silence":
                if not incident.open or until is None or until <= now:
                    why = "closed" if not incident.open else "given no end in the future"
                    return ActionOutcome(
                        f"{incident.id} is {why}: not silenced.", (), self._view(now)
                    )
                self.book.silence(incident, who, note, until, now)
                message = f"Silenced {incident.id} until {iso(until)}: open, counted, not paged."
            elif action == "kb":
                message = self._save_kb(incident, note, now, problems)
            else:
                raise ValueError(f"unknown incident action {action!r}")
            if self.writer:
                problems.extend(self._save_book())
            else:
                problems.append("read-only: the incident is changed in memory only")
            return ActionOutcome(message, tuple(problems), self._view(now))

    def _save_kb(self, incident: Incident, note: str, now: datetime, problems: list[str]) -> str:
        check = incident.check
        try:
            path = save_entry(
                self.root,
                f"KB-{incident.site or 'platform'}-{check}-{now:%Y%m%d%H%M}",
                check,
                " ".join(incident.detail.split()[:3]),
                incident.site,
                incident.detail,
                note,
            )
        except OSError as exc:
            problems.append(clean(f"KB entry not saved: {exc}"))
            return f"{incident.id}: not saved to the knowledge base."
        self._reload_kb()
        incident.note(now, f"saved to the knowledge base as {path.name}")
        return f"Saved {path.name} in kb/."
