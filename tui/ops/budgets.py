"""Error budgets for every configured SLO, and the deploy freeze (with `.room/freeze.json`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.base.clock import iso, parse_iso
from tui.base.config import Config
from tui.base.paths import read_file, write_atomic
from tui.ops.checks import slo_keys
from tui.ops.history import History, key_of
from tui.ops.slo import SloStatus, evaluate, projected_recovery

FREEZE_FILE = "freeze.json"


@dataclass(frozen=True)
class BudgetReport:
    statuses: tuple[SloStatus, ...]
    freeze: bool
    since: datetime | None
    lifts_at: datetime | None

    @property
    def frozen_by(self) -> list[SloStatus]:
        return [status for status in self.statuses if status.frozen]

    def freeze_json(self, now: datetime) -> dict[str, Any]:
        return {
            "freeze": self.freeze,
            "since": iso(self.since),
            "updated_at": iso(now),
            "projected_lift": iso(self.lifts_at),
            "reasons": [
                {
                    "site": s.site,
                    "slo": s.name,
                    "budget_remaining": round(s.budget_remaining or 0.0, 4),
                }
                for s in self.frozen_by
            ],
        }


def read_freeze(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(read_file(folder / FREEZE_FILE, 1 << 20).decode("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def report(
    history: History, config: Config, now: datetime, folder: Path | None = None
) -> BudgetReport:
    """Evaluate every SLO over the window; a freeze keeps the `since` of the freeze file."""
    keys = slo_keys(config)
    counts = {(site, name): history.periods(key_of(site, name), now) for site, name in keys}
    statuses = tuple(evaluate(keys, counts, config))
    frozen = [status for status in statuses if status.frozen]
    since = None
    lifts = None
    if frozen:
        previous = read_freeze(folder) if folder else None
        since = now
        if previous and previous.get("freeze") and previous.get("since"):
            try:
                since = parse_iso(previous["since"])
            except (TypeError, ValueError, OverflowError):
                since = now
        moments = [
            projected_recovery(
                history.hourly(key_of(s.site, s.name), now),
                s.target,
                config.freeze_below,
                config.slo_window,
                now,
            )
            for s in frozen
        ]
        lifts = (
            None if any(m is None for m in moments) else max(m for m in moments if m is not None)
        )
    return BudgetReport(statuses, bool(frozen), since, lifts)


def write_freeze(folder: Path, budget: BudgetReport, now: datetime) -> None:
    """`.room/freeze.json` for deploy scripts: written atomically when anything in it changes."""
    data = budget.freeze_json(now)
    previous = read_freeze(folder)
    if previous is not None:
        unchanged = {k: v for k, v in previous.items() if k != "updated_at"} == {
            k: v for k, v in data.items() if k != "updated_at"
        }
        if unchanged:
            return
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / FREEZE_FILE, (json.dumps(data, indent=2) + "\n").encode("utf-8"))
