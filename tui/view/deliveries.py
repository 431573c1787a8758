"""What the deliveries view shows: every done ticket checked from the outside, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tui.base.clock import parse_iso
from tui.base.durations import format_duration
from tui.base.sanitize import shorten
from tui.ops.deliveries import Delivery


@dataclass(frozen=True)
class DeliveryRow:
    key: str
    ticket: str
    role: str
    done: str  # "3h10m ago"
    url: str
    verdict: str  # "live ✓", "NOT LIVE ✘", "not checked yet"
    tone: str  # success, error, muted
    detail: str
    path: str


def verdict_of(delivery: Delivery) -> tuple[str, str]:
    if delivery.ok is None:
        return "not checked yet", "muted"
    if delivery.ok:
        return "live ✓", "success"
    return "NOT LIVE ✘", "error"


def delivery_rows(deliveries: tuple[Delivery, ...], now: datetime) -> list[DeliveryRow]:
    """Not live first (the oldest failure first), then the rest, newest done first."""
    ordered = sorted(deliveries, key=lambda d: (d.ok is not False, d.failing_since or ""))
    rows = []
    for delivery in ordered:
        verdict, tone = verdict_of(delivery)
        checked = (
            f" (checked {format_duration(now - parse_iso(delivery.checked_at))} ago)"
            if delivery.checked_at
            else ""
        )
        rows.append(
            DeliveryRow(
                key=delivery.key,
                ticket=delivery.ticket,
                role=delivery.role,
                done=f"{format_duration(now - parse_iso(delivery.done_at))} ago",
                url=shorten(delivery.shown_url, 200),
                verdict=verdict,
                tone=tone,
                detail=shorten(delivery.detail, 200) + checked,
                path=delivery.path,
            )
        )
    return rows


def deliveries_summary(deliveries: tuple[Delivery, ...], unverified: tuple[str, ...]) -> str:
    """The view's title line: counts of each verdict, and done without proof."""
    live = sum(1 for d in deliveries if d.ok is True)
    down = sum(1 for d in deliveries if d.ok is False)
    waiting = sum(1 for d in deliveries if d.ok is None)
    parts = [f"{live} live", f"{down} NOT LIVE"]
    if waiting:
        parts.append(f"{waiting} not checked yet")
    parts.append(
        f"{len(unverified)} done, unverified"
        + (f" ({', '.join(unverified[:5])})" if unverified else "")
    )
    return " · ".join(parts)


def delivery_line(delivery: Delivery) -> str:
    """The ticket view's field: the verdict, the URL and what it answered."""
    verdict, _ = verdict_of(delivery)
    return f"{verdict} — {delivery.shown_url} {delivery.detail}"
