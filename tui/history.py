"""Probe history rolled up into good/total counts per SLO, bounded whatever the uptime.

Two files under `.room/`, each rewritten whole and atomically:
- `history-minutes.json`: per-minute buckets for the last two hours (written every round: small);
- `history-hours.json`: per-hour buckets for the SLO window (written once an hour, when minutes
  older than the previous hour are folded into it).
Minute buckets are the truth after the cut-over hour, hour buckets before it, so nothing is counted
twice; after a crash between the two writes, minutes already folded into an hour are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui.config import Config
from tui.probes import ProbeResult
from tui.slo import BURN_WINDOWS, Counts, events
from tui.store import open_db

MINUTE, HOUR = 60, 3600
KEEP_MINUTES = 2 * HOUR

Buckets = dict[int, tuple[int, int]]  # bucket start (unix seconds) → (good, total), oldest first


def key_of(site: str | None, name: str) -> str:
    return f"{site or '*'}/{name}"


class History:
    def __init__(
        self, folder: Path, *, read_only: bool, window: timedelta = timedelta(days=30)
    ) -> None:
        self.notes: list[str] = []
        self.window = window
        self.read_only = read_only
        self.minutes_db = open_db(
            folder / "history-minutes.json", read_only=read_only, notes=self.notes
        )
        self.hours_db = open_db(
            folder / "history-hours.json", read_only=read_only, notes=self.notes
        )
        self.minutes: dict[str, Buckets] = {}
        self.hours: dict[str, Buckets] = {}
        self.load()

    # ---------------------------------------------------------------- files

    def load(self) -> None:
        for db in (self.minutes_db, self.hours_db):
            db.storage.reload()  # type: ignore[attr-defined]
            db.clear_cache()
        self.hours = self._read(self.hours_db)
        self.minutes = self._read(self.minutes_db)
        for key, buckets in self.minutes.items():
            folded = max(self.hours.get(key, {}), default=None)
            if folded is not None:
                for start in [s for s in buckets if s < folded + HOUR]:
                    del buckets[start]

    @staticmethod
    def _read(db: object) -> dict[str, Buckets]:
        """Each key's buckets as three parallel lists (start, good, total): compact and quick."""
        raw = db.storage.read() or {}  # type: ignore[attr-defined]
        found: dict[str, Buckets] = {}
        for doc in raw.get("_default", {}).values():
            try:
                key, starts, goods, totals = doc["key"], doc["t"], doc["g"], doc["n"]
                if not (isinstance(key, str) and len(starts) == len(goods) == len(totals)):
                    continue
                found[key] = dict(zip(starts, zip(goods, totals, strict=True), strict=True))
            except (KeyError, TypeError, ValueError):
                continue  # a damaged entry is skipped; the rest of the history stands
        return found

    @staticmethod
    def _write(db: object, data: dict[str, Buckets]) -> None:
        table = {}
        for index, (key, buckets) in enumerate(data.items()):
            goods, totals = zip(*buckets.values(), strict=True) if buckets else ((), ())
            table[str(index + 1)] = {"key": key, "t": list(buckets), "g": goods, "n": totals}
        db.storage.write({"_default": table})  # type: ignore[attr-defined]
        db.clear_cache()  # type: ignore[attr-defined]

    # ---------------------------------------------------------------- writing

    def add(self, results: Iterable[ProbeResult], config: Config) -> None:
        """Count one round (in memory); `save` writes it."""
        for result in results:
            minute = int(result.at.timestamp()) // MINUTE * MINUTE
            for name, good in events(result, config):
                buckets = self.minutes.setdefault(key_of(result.site, name), {})
                old_good, old_total = buckets.get(minute, (0, 0))
                buckets[minute] = (old_good + good, old_total + 1)

    def save(self, now: datetime) -> None:
        """Fold old minutes into hours (hours file written only then), then write the minutes."""
        if self.read_only:
            return
        cutover = (int(now.timestamp()) // HOUR) * HOUR - HOUR
        folded = False
        for key, buckets in self.minutes.items():
            for start in [s for s in buckets if s < cutover]:
                good, total = buckets.pop(start)
                hours = self.hours.setdefault(key, {})
                old_good, old_total = hours.get(start // HOUR * HOUR, (0, 0))
                hours[start // HOUR * HOUR] = (old_good + good, old_total + total)
                folded = True
        if folded:
            oldest = int((now - self.window).timestamp()) // HOUR * HOUR - HOUR
            for buckets in self.hours.values():
                for start in [s for s in buckets if s < oldest]:
                    del buckets[start]
            self._write(self.hours_db, self.hours)
        self._write(self.minutes_db, self.minutes)

    # ---------------------------------------------------------------- reading

    def counts(self, key: str, start: datetime, end: datetime | None = None) -> Counts:
        """Good/total from `start` on (hour buckets that overlap it count whole)."""
        begin = int(start.timestamp())
        finish = int(end.timestamp()) if end else None
        good = total = 0
        for table, size in ((self.hours.get(key, {}), HOUR), (self.minutes.get(key, {}), MINUTE)):
            for bucket_start, (g, t) in table.items():
                if bucket_start + size > begin and (finish is None or bucket_start < finish):
                    good += g
                    total += t
        return Counts(good, total)

    def periods(self, key: str, now: datetime) -> dict[str, Counts]:
        found = {label: self.counts(key, now - span) for label, span in BURN_WINDOWS.items()}
        found["window"] = self.counts(key, now - self.window)
        return found

    def hourly(self, key: str, now: datetime) -> list[tuple[datetime, Counts]]:
        """Counts per hour over the window (minutes folded in), oldest first."""
        merged: dict[int, tuple[int, int]] = dict(self.hours.get(key, {}))
        for start, (good, total) in self.minutes.get(key, {}).items():
            old_good, old_total = merged.get(start // HOUR * HOUR, (0, 0))
            merged[start // HOUR * HOUR] = (old_good + good, old_total + total)
        oldest = (now - self.window).timestamp()
        return [
            (datetime.fromtimestamp(start, UTC), Counts(good, total))
            for start, (good, total) in sorted(merged.items())
            if start + HOUR > oldest
        ]

    def keys(self) -> list[str]:
        return sorted(set(self.minutes) | set(self.hours))
