"""What a round of probes changed, as the watchkeeper's events (`tui.ops.happenings`): its summary,
checks that went up or down, records not saved, the freeze, maintenance windows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from tui.ops.channels import Event
from tui.ops.happenings import Announcement, Happening
from tui.ops.maintenance import Window


@dataclass(frozen=True)
class FreezeChanged(Happening):
    """The deploy freeze came on (a budget under `freeze_below`) or was lifted."""

    on: bool
    budgets: str  # "shop availability, platform backup_freshness"
    freeze_id: str

    @property
    def log(self) -> str:  # type: ignore[override]
        return "freeze on" if self.on else "freeze off"

    def fields(self) -> dict[str, Any]:
        return {"budgets": self.budgets} if self.on else {}

    def toast(self) -> Announcement:
        if self.on:
            return Announcement("Deploy freeze", f"Deploys frozen: {self.budgets}.", "warning")
        return Announcement("Deploy freeze lifted", "Every error budget is above the line.")

    def page(self) -> Event:
        if self.on:
            return Event("freeze", self.freeze_id, f"deploy freeze: {self.budgets}", self.stamp)
        text = "deploy freeze lifted"
        return Event("freeze", self.freeze_id, text, self.stamp, state="resolved")


@dataclass(frozen=True)
class RoundDone(Happening):
    log: ClassVar[str | None] = "round"
    checks: int
    failing: int
    seconds: float

    def fields(self) -> dict[str, Any]:
        return {"checks": self.checks, "failing": self.failing, "seconds": round(self.seconds, 2)}


@dataclass(frozen=True)
class Confirmed(Happening):
    log: ClassVar[str | None] = "confirmation"
    sites: tuple[str, ...]
    failing: tuple[str, ...]

    def fields(self) -> dict[str, Any]:
        return {"sites": ", ".join(self.sites), "failing": ", ".join(self.failing)}


@dataclass(frozen=True)
class ProbeChanged(Happening):
    site: str | None
    check: str
    ok: bool
    detail: str

    @property
    def log(self) -> str:  # type: ignore[override]
        return "probe up" if self.ok else "probe down"

    def fields(self) -> dict[str, Any]:
        return {"site": self.site, "check": self.check, "detail": self.detail}


@dataclass(frozen=True)
class RoundFailed(Happening):
    log: ClassVar[str | None] = "round failed"
    error: str

    def fields(self) -> dict[str, Any]:
        return {"error": self.error}

    def toast(self) -> Announcement:
        return Announcement("Probes", self.error, "warning")


@dataclass(frozen=True)
class Problem(Happening):
    log: ClassVar[str | None] = "problem"
    text: str

    def fields(self) -> dict[str, Any]:
        return {"text": self.text}

    def toast(self) -> Announcement:
        return Announcement("Probes", self.text, "warning")


@dataclass(frozen=True)
class RecordsUnsaved(Happening):
    """Records could not be written (a full disk): the watch goes on from memory."""

    log: ClassVar[str | None] = "records not saved"
    text: str

    def fields(self) -> dict[str, Any]:
        return {"text": self.text, "goes_on": "from memory"}

    def toast(self) -> Announcement:
        return Announcement("Records not saved", f"{self.text} (going on from memory)", "error")


@dataclass(frozen=True)
class RecordsSaved(Happening):
    log: ClassVar[str | None] = "records saved again"
    since: str

    def fields(self) -> dict[str, Any]:
        return {"since": self.since}


@dataclass(frozen=True)
class MaintenanceStarted(Happening):
    log: ClassVar[str | None] = "maintenance started"
    window: Window

    def fields(self) -> dict[str, Any]:
        return {"window": self.window.words(), "reason": self.window.reason}


@dataclass(frozen=True)
class MaintenanceEnded(Happening):
    log: ClassVar[str | None] = "maintenance ended"
    window: Window

    def fields(self) -> dict[str, Any]:
        return {"window": self.window.words()}


@dataclass(frozen=True)
class MaintenanceEndingFailing(Happening):
    """A window ends within `WARN_BEFORE` on a site still failing: it will open an incident."""

    log: ClassVar[str | None] = "maintenance ending, site failing"
    window: Window
    failing: tuple[str, ...]

    def fields(self) -> dict[str, Any]:
        return {"window": self.window.words(), "failing": ", ".join(self.failing)}

    def toast(self) -> Announcement:
        return Announcement(
            "Maintenance ending",
            f"{self.window.words()} ends soon with {', '.join(self.failing)} failing.",
            "warning",
        )
