"""The flow view's rows: per role, what waits and how work moves (from tui.bus.flow)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tui.base.durations import format_duration
from tui.bus.flow import Flow, RoleFlow


@dataclass(frozen=True)
class FlowRow:
    role: str
    waiting: str
    oldest: str
    pickup: str
    week_in: str  # per day, oldest first: "0 2 5 1 0 3 4"
    week_out: str
    cycle: str  # "p50 1h05m · p85 6h"
    answered: str  # "3 rejected · 1 blocked · 2 clarify of 14"
    idle: bool


def _ago(now: datetime, moment: datetime | None) -> str:
    return "never seen" if moment is None else f"{format_duration(now - moment)} ago"


def _answered(flow: RoleFlow) -> str:
    total = sum(flow.answered.values())
    if not total:
        return "—"
    parts = [
        f"{flow.answered[k]} {word}"
        for k, word in (
            ("rejected", "rejected"),
            ("blocked", "blocked"),
            ("needs_clarification", "clarify"),
        )
        if flow.answered[k]
    ]
    return (" · ".join(parts) or "all done") + f" of {total}"


def flow_rows(flow: Flow, now: datetime, idle_after: timedelta) -> list[FlowRow]:
    rows = []
    for role, moves in sorted(flow.roles.items()):
        p50, p85 = moves.percentile(0.50), moves.percentile(0.85)
        cycle = (
            "—"
            if p50 is None or p85 is None
            else f"p50 {format_duration(timedelta(seconds=p50))} · "
            f"p85 {format_duration(timedelta(seconds=p85))}"
        )
        rows.append(
            FlowRow(
                role=role,
                waiting=str(moves.waiting),
                oldest="—"
                if moves.oldest_s is None
                else format_duration(timedelta(seconds=moves.oldest_s)),
                pickup=_ago(now, moves.last_pickup),
                week_in=" ".join(str(n) for n in moves.in_7d),
                week_out=" ".join(str(n) for n in moves.out_7d),
                cycle=cycle,
                answered=_answered(moves),
                idle=moves.idle(now, idle_after) is not None,
            )
        )
    return rows


def flow_footer(flow: Flow) -> str:
    personas = ", ".join(f"{name} {n}" for name, n in flow.personas.most_common(6)) or "none"
    touches = " ".join(str(n) for n in flow.touchpoints_7d)
    return (
        f"Personas: {personas}.  The owner's touchpoints per day ({flow.days[0]} → "
        f"{flow.days[-1]}): {touches} (from .room/actions.jsonl)."
    )
