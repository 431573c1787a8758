"""The checks the room runs and what one probe of them found, named once and light to import:
the probes make results, the store, the history, the budgets and the incidents read them (a
`status` never loads the probes' event loop and TLS to read what was recorded)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tui.base.clock import iso

CHECKS = ("http", "tls", "dns", "backup", "containers")


@dataclass(frozen=True)
class ProbeResult:
    site: str | None  # None for the platform-wide checks (backup, containers)
    check: str
    ok: bool
    latency_ms: float | None
    detail: str
    at: datetime
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "check": self.check,
            "ok": self.ok,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 1),
            "detail": self.detail,
            "at": iso(self.at),
            **({"extra": self.extra} if self.extra else {}),
        }
