"""Messages, named as past events: sources and screens post them, handlers act on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from textual.message import Message

from tui.bus.scanner import BusSnapshot
from tui.ops.checks import ProbeResult
from tui.ops.happenings import Happening
from tui.ops.incident_record import Incident
from tui.ops.outcomes import ActionOutcome, OpsView, RoundOutcome
from tui.view.ticket import TicketDetail


class OpenTicket(Message):
    """A person asked to open the ticket stored at `path` (relative to the state root)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path


class ReplyToTicket(Message):
    """A person asked to answer the ticket stored at `path` (R in its ticket view)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path


class AcknowledgeTicket(Message):
    """A person acknowledged the stale ticket stored at `path` (from its ticket view)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path


@dataclass
class IncidentAction(Message):
    """A person acknowledged (`ack`), resolved (`resolve`), silenced (`silence`, for `length`) or
    saved to the KB (`kb`) an incident."""

    action: str
    incident_id: str
    note: str
    length: timedelta | None = None  # a silence's length


@dataclass
class TicketsChanged(Message):
    """A scan finished: the bus as it is now."""

    state: BusSnapshot
    partial: bool = False  # the first scan is still reading: more is coming


@dataclass
class ProbesArrived(Message):
    """Results of the round under way, as they arrive; `waiting` sites have not answered yet."""

    results: list[ProbeResult]
    waiting: frozenset[str]


@dataclass
class RoundFinished(Message):
    """A probe round ended (or, in a reading room, the writer's records were read again)."""

    outcome: RoundOutcome
    confirmed: tuple[str, ...] | None = None  # a confirmation of these sites, not a round


@dataclass
class Told(Message):
    """The watchkeeper's events from a worker (requests carried out), with the view after."""

    happenings: tuple[Happening, ...]
    view: OpsView


@dataclass
class IncidentsEscalated(Message):
    """Firing incidents reached their next rung."""

    due: tuple[Incident, ...]
    view: OpsView


@dataclass
class IncidentChanged(Message):
    """A person's action on an incident was carried out."""

    outcome: ActionOutcome


@dataclass
class DetailReady(Message):
    """A ticket's detail was read (in a worker): show it."""

    detail: TicketDetail


@dataclass
class BudgetDetailReady(Message):
    detail: list[tuple[str, str]]
