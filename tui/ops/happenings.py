"""What the watchkeeper saw, as typed events, each with its words written once.

An event says three things, each optional: its log line (`log`, `fields`: the watcher prints it,
the log-events page lists it), its announcement (`toast`: the room shows it) and its page (`page`:
the watcher's channels send it). The room and the watcher never word an event themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from tui.base.clock import iso
from tui.base.durations import format_duration
from tui.base.sanitize import clean, shorten
from tui.bus.tickets import Ticket
from tui.ops.channels import SILENCE, Event
from tui.ops.deliveries import Delivery, sentence
from tui.ops.incident_record import Incident
from tui.ops.requests import Request


@dataclass(frozen=True)
class Announcement:
    """A notification: title, text, severity; `bell` rings the terminal bell."""

    title: str
    text: str
    severity: str = "information"
    timeout: float = 10  # short: the header and the panes keep saying it
    bell: bool = False


@dataclass(frozen=True)
class Happening:
    """The base: an event with no log line, no announcement and no page."""

    log: ClassVar[str | None] = None
    at: datetime

    def fields(self) -> dict[str, Any]:
        return {}

    def toast(self) -> Announcement | None:
        return None

    def page(self) -> Event | None:
        return None

    @property
    def stamp(self) -> str:
        return iso(self.at) or ""


# ---------------------------------------------------------------------- the ticket bus


@dataclass(frozen=True)
class StaleRaised(Happening):
    """A clarification waited past `stale_after` (or its next rung came), unacknowledged."""

    log: ClassVar[str | None] = "stale raised"
    ticket: Ticket
    rung: int

    @property
    def words(self) -> str:
        t = self.ticket
        return clean(
            f"{t.id} from {t.shown_sender} to {t.role} has waited "
            f"{format_duration(self.at - t.created)} for an answer: {shorten(t.subject, 90)}"
        )

    def fields(self) -> dict[str, Any]:
        return {"ticket": self.ticket.id, "role": self.ticket.role, "rung": self.rung}

    def toast(self) -> Announcement:
        return Announcement("Stale clarification", self.words, "error", bell=True)

    def page(self) -> Event:
        t = self.ticket
        return Event("stale", t.id, self.words, self.stamp, tier=self.rung, ticket=t.id)


# ---------------------------------------------------------------------- deliveries


@dataclass(frozen=True)
class DeliveryTurned(Happening):
    """A done ticket's verify URL stopped answering as asked (logged once, when it turns)."""

    log: ClassVar[str | None] = "delivery not live"
    delivery: Delivery

    def fields(self) -> dict[str, Any]:
        d = self.delivery
        return {"ticket": d.ticket, "url": d.shown_url, "detail": d.detail}


@dataclass(frozen=True)
class DeliveryNotLive(Happening):
    """A done ticket not live, on the stale ladder from its first failed check."""

    delivery: Delivery
    rung: int

    def toast(self) -> Announcement:
        return Announcement(
            "Done, not live", sentence(self.delivery, self.at), "error", 15, bell=True
        )

    def page(self) -> Event:
        d = self.delivery
        return Event(
            "delivery",
            f"{d.ticket}@{d.failing_since}",
            clean(sentence(d, self.at)),
            self.stamp,
            tier=self.rung,
            ticket=d.ticket,
        )


# ---------------------------------------------------------------------- incidents


def incident_fields(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "site": incident.site,
        "check": incident.check,
        "slo": incident.slo,
        "opened_at": incident.opened_at,
    }


def _where(incident: Incident) -> str:
    return incident.site or "platform"


@dataclass(frozen=True)
class IncidentOpened(Happening):
    """An incident opened, or fired again (a new episode of the same incident)."""

    incident: Incident

    @property
    def again(self) -> bool:
        return self.incident.episode > 1

    @property
    def log(self) -> str:  # type: ignore[override]
        return "incident fired again" if self.again else "incident opened"

    def fields(self) -> dict[str, Any]:
        extra = {"episode": self.incident.episode} if self.again else {}
        return incident_fields(self.incident) | extra

    def toast(self) -> Announcement:
        i = self.incident
        title = "Incident firing again" if self.again else "Incident opened"
        return Announcement(
            f"{title}: {i.id}", clean(f"{_where(i)}: {i.cause} — {i.detail}"), "error"
        )


@dataclass(frozen=True)
class IncidentFiring(Happening):
    """An open incident reached its next rung (60 s, 5 min, then every 15 min)."""

    log: ClassVar[str | None] = "incident announced"
    incident: Incident

    def fields(self) -> dict[str, Any]:
        return incident_fields(self.incident) | {"tier": self.incident.tier}

    def toast(self) -> Announcement:
        i = self.incident
        return Announcement(
            f"Incident firing: {i.id} (tier {i.tier})",
            clean(
                f"{_where(i)}: {i.cause} — {i.detail}. Open the incident (5, enter) and press a "
                "to acknowledge."
            ),
            "error",
            bell=True,
        )

    def page(self) -> Event:
        i = self.incident
        return Event(
            "incident",
            i.id,
            clean(f"{i.id} firing: {_where(i)} {i.check}: {i.detail}"),
            self.stamp,
            tier=i.tier,
            site=i.site,
            slo=i.slo,
            about=f"episode-{i.episode}" if i.episode > 1 else None,
        )


@dataclass(frozen=True)
class IncidentResolved(Happening):
    """An incident closed: by a passing probe or by hand."""

    incident: Incident
    told: bool = True  # False: resolved by a request, which said so itself (only the page left)

    @property
    def log(self) -> str | None:  # type: ignore[override]
        return "incident resolved" if self.told else None

    def fields(self) -> dict[str, Any]:
        return incident_fields(self.incident)

    def toast(self) -> Announcement | None:
        i = self.incident
        return (
            Announcement("Incident resolved", clean(f"{i.id} closed: {i.resolution}."))
            if self.told
            else None
        )

    def page(self) -> Event | None:
        i = self.incident
        if i.tier == 0:  # never announced: nobody to tell it is over
            return None
        return Event(
            "incident",
            i.id,
            clean(f"{i.id} resolved: {_where(i)} {i.check}"),
            self.stamp,
            tier=i.tier,
            state="resolved",
            site=i.site,
            slo=i.slo,
        )


@dataclass(frozen=True)
class IncidentSilenced(Happening):
    """A person silenced an incident: Alertmanager keeps the silence too."""

    incident: Incident
    by: str

    def page(self) -> Event:
        i = self.incident
        return Event(
            SILENCE,
            i.id,
            clean(f"{i.silence_note or ''} (silenced in the Sisyphus room by {self.by})"),
            self.stamp,
            state="silenced",
            by=self.by,
            about=i.silenced_until,
            until=i.silenced_until,
        )


@dataclass(frozen=True)
class RequestCarriedOut(Happening):
    """A request from a room or `sisyphus-room ack`/`resolve`/`silence`, carried out."""

    request: Request
    said: str  # what it did, in a sentence

    @property
    def log(self) -> str:  # type: ignore[override]
        return {"ack": "acknowledged", "resolve": "resolved by hand"}.get(
            self.request.action, "silenced"
        )

    def fields(self) -> dict[str, Any]:
        return {"id": self.request.target, "by": self.request.by, "result": self.said}

    def toast(self) -> Announcement:
        return Announcement("Request", clean(f"{self.said} (by {self.request.by})"))


# ---------------------------------------------------------------------- budgets and rounds


# ---------------------------------------------------------------------- maintenance


def stale_summary(raised: list[StaleRaised], stale_after: timedelta) -> Announcement:
    """More than three stale at once: one announcement naming them (the list has the rest)."""
    ids = ", ".join(r.ticket.id for r in raised[:8]) + (" …" if len(raised) > 8 else "")
    return Announcement(
        "Stale clarifications",
        f"{len(raised)} clarifications have waited over {format_duration(stale_after)}: "
        f"{ids}. Press s for the list.",
        "error",
        bell=True,
    )


def delivery_summary(due: list[DeliveryNotLive]) -> Announcement:
    """Several not live at once: one short announcement naming them (the list has the rest)."""
    ids = ", ".join(d.delivery.ticket for d in due[:8]) + (" …" if len(due) > 8 else "")
    text = f"{len(due)} tickets marked done are not live: {ids}. Press 6 for the list."
    return Announcement("Done, not live", text, "error", 15, bell=True)
