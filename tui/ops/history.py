"""Probe history rolled up into good/total counts per SLO, bounded whatever the uptime.

Files under `.room/history/`:
- `minutes-<YYYY-MM-DDTHH>.jsonl`: one journal per hour. Each probe round *appends* one line per
  minute it touched, `{"t": minute start, "c": {"site/slo": [good, total], …}}`; two lines for the
  same minute add up. Appending is what keeps a round's write small whatever the history's length.
- `hours-<YYYY-MM-DD>.json`: a TinyDB file per UTC day with per-hour buckets, written whole and
  atomically once an hour, when the journal of the hour before last is folded into it; the journal
  is then deleted. Day files older than the SLO window are deleted.
Minute buckets are the truth after a key's newest hour bucket, hour buckets up to it, so nothing is
counted twice: after a crash between writing a day file and deleting the folded journal, the
journal's minutes already folded are dropped on load. A journal line that does not parse (a crash
mid-append) gets the journal moved aside, and the lines that do parse are written back.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tui.base.config import Config
from tui.base.gcpause import gc_paused
from tui.base.paths import NotAFile
from tui.base.storage import open_db
from tui.ops.checks import ProbeResult
from tui.ops.history_files import read_day, read_journal
from tui.ops.slo import BURN_WINDOWS, Counts, events

MINUTE, HOUR, DAY = 60, 3600, 86400
FOLDER = "history"

Buckets = dict[int, tuple[int, int]]  # bucket start (unix seconds) → (good, total), oldest first
ByHour = dict[int, Buckets]  # minute buckets grouped by their hour: folding an hour is one pop
Signature = tuple[int, int, int]  # (inode, size, mtime in ns): a file unchanged since last read


APART = "~maintenance"  # the suffix of the counts kept apart during maintenance windows


def key_of(site: str | None, name: str) -> str:
    return f"{site or '*'}/{name}"


def _stamp(path: Path, prefix: str, suffix: str, pattern: str) -> int | None:
    """The time a history file's name stands for (unix seconds), or None for a stranger."""
    try:
        moment = datetime.strptime(path.name[len(prefix) : -len(suffix)], pattern)
    except ValueError:
        return None
    return int(moment.replace(tzinfo=UTC).timestamp())


def _signature(path: Path) -> Signature | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def _add(buckets: Buckets, start: int, good: int, total: int) -> None:
    old_good, old_total = buckets.get(start, (0, 0))
    buckets[start] = (old_good + good, old_total + total)


class History:
    def __init__(
        self, folder: Path, *, read_only: bool, window: timedelta = timedelta(days=30)
    ) -> None:
        self.folder = folder / FOLDER
        self.notes: list[str] = []
        self.window = window
        self.read_only = read_only
        self.minutes: dict[str, ByHour] = {}
        self._minute_sums: dict[str, Buckets] = {}  # per key and hour, the sum of its minutes
        self.hours: dict[str, Buckets] = {}
        self._pending: dict[int, dict[str, list[int]]] = {}  # minute → key → [good, total]
        self._read_cache: dict[Path, tuple[Signature, Any]] = {}
        # Minutes before this were folded into hours (0: look again at the next save).
        self._folded_to = 0
        self._unwritten_days: set[int] = set()
        self.load()
        self._migrate()

    # ---------------------------------------------------------------- file names

    def journal_path(self, hour: int) -> Path:
        return self.folder / f"minutes-{datetime.fromtimestamp(hour, UTC):%Y-%m-%dT%H}.jsonl"

    def day_path(self, day: int) -> Path:
        return self.folder / f"hours-{datetime.fromtimestamp(day, UTC):%Y-%m-%d}.json"

    def journals(self) -> list[tuple[int, Path]]:
        found = [
            (_stamp(path, "minutes-", ".jsonl", "%Y-%m-%dT%H"), path)
            for path in self.folder.glob("minutes-*.jsonl")
        ]
        return sorted((hour, path) for hour, path in found if hour is not None)

    def days(self) -> list[tuple[int, Path]]:
        found = [
            (_stamp(path, "hours-", ".json", "%Y-%m-%d"), path)
            for path in self.folder.glob("hours-*.json")
        ]
        return sorted((day, path) for day, path in found if day is not None)

    # ---------------------------------------------------------------- reading files

    def load(self) -> None:
        """Read the files again (a reader room does this each round; unchanged files are not parsed)."""
        hours: dict[str, Buckets] = {}
        unordered: set[str] = set()  # keys whose hours did not come oldest first (edited files)
        for _day, path in self.days():
            for key, starts, goods, totals in self._cached(
                path, lambda p: read_day(p, self.read_only, self.notes)
            ):
                buckets = hours.get(key)
                if buckets is None:
                    hours[key] = dict(zip(starts, zip(goods, totals, strict=True), strict=True))
                    continue
                if buckets and starts and starts[0] <= next(reversed(buckets)):
                    unordered.add(key)
                buckets.update(zip(starts, zip(goods, totals, strict=True), strict=True))
        for key in unordered:
            hours[key] = dict(sorted(hours[key].items()))
        minutes: dict[str, ByHour] = {}
        sums: dict[str, Buckets] = {}
        for _hour, path in self.journals():
            for minute, counts in self._cached(
                path, lambda p: read_journal(p, self.read_only, self.notes)
            ):
                for key, (good, total) in counts.items():
                    folded = hours.get(key)
                    if folded and minute - minute % HOUR <= next(reversed(folded)):
                        continue  # already in an hour bucket (a crash before the journal went)
                    hour = minute - minute % HOUR
                    _add(minutes.setdefault(key, {}).setdefault(hour, {}), minute, good, total)
                    _add(sums.setdefault(key, {}), hour, good, total)
        self.hours, self.minutes, self._minute_sums = hours, minutes, sums

    def _cached(self, path: Path, read: Any) -> Any:
        signature = _signature(path)
        cached = self._read_cache.get(path)
        if signature is not None and cached is not None and cached[0] == signature:
            return cached[1]
        data = read(path)
        self._read_cache[path] = (_signature(path) or (0, 0, 0), data)
        return data

    def _migrate(self) -> None:
        """The layout before `history/`: two whole files beside it (`history-hours.json`,
        `history-minutes.json`, same documents as a day file). The writer moves their counts into
        the journal and the day files and keeps the old files as `<name>.migrated`."""
        old = [self.folder.parent / f"history-{kind}.json" for kind in ("hours", "minutes")]
        if self.read_only or not any(path.exists() for path in old):
            return
        hours, minutes = (
            {
                key: dict(zip(starts, zip(goods, totals, strict=True), strict=True))
                for key, starts, goods, totals in (
                    read_day(path, self.read_only, self.notes) if path.exists() else []
                )
            }
            for path in old
        )
        for key, buckets in hours.items():
            mine = self.hours.setdefault(key, {})
            for start, (good, total) in buckets.items():
                _add(mine, start, good, total)
                self._unwritten_days.add(start - start % DAY)
            self.hours[key] = dict(sorted(mine.items()))
        for key, buckets in minutes.items():
            folded = max(hours.get(key, {}), default=None)  # the old rule: hours win up to here
            for minute, (good, total) in buckets.items():
                if folded is not None and minute < folded + HOUR:
                    continue
                self._count(key, minute, good, total)
        with gc_paused():
            self._append_pending()
            for day in sorted(self._unwritten_days):  # pruned and folded at the next save
                self._write_day(day)
            self._unwritten_days.clear()
        for path in old:
            if path.exists():
                os.replace(path, path.with_name(f"{path.name}.migrated"))
        self.notes.append(
            "the SLO history moved to .room/history/ (a journal per hour, a file per day); "
            "the old files are kept as history-*.json.migrated"
        )

    # ---------------------------------------------------------------- writing

    def add(self, results: Iterable[ProbeResult], config: Config, *, apart: bool = False) -> None:
        """Count one round in memory; `save` appends it to the journal. `apart`: results in a
        maintenance window, counted under `<key>~maintenance`, which no budget reads."""
        for result in results:
            minute = int(result.at.timestamp()) // MINUTE * MINUTE
            if minute < self._folded_to:
                self._folded_to = 0  # a late result: fold again at the next save
            for name, good in events(result, config):
                key = key_of(result.site, name) + (APART if apart else "")
                self._count(key, minute, int(good), 1)

    def _count(self, key: str, minute: int, good: int, total: int) -> None:
        """Counts for one minute: in memory (with the hour's running sum) and due for the journal."""
        hour = minute - minute % HOUR
        _add(self.minutes.setdefault(key, {}).setdefault(hour, {}), minute, good, total)
        _add(self._minute_sums.setdefault(key, {}), hour, good, total)
        counts = self._pending.setdefault(minute, {}).setdefault(key, [0, 0])
        counts[0] += good
        counts[1] += total

    def save(self, now: datetime) -> None:
        """Append the rounds added since the last save; once an hour, fold an hour into its day."""
        if self.read_only:
            self._pending.clear()  # kept in memory only
            return
        with gc_paused():
            self._save(now)

    def _save(self, now: datetime) -> None:
        self._append_pending()
        self._fold(int(now.timestamp()) // HOUR * HOUR - HOUR)

    def _append_pending(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        by_hour: dict[int, list[int]] = {}
        for minute in sorted(self._pending):
            by_hour.setdefault(minute // HOUR * HOUR, []).append(minute)
        for hour, minutes in by_hour.items():
            lines = b"".join(
                json.dumps({"t": minute, "c": self._pending[minute]}, separators=(",", ":")).encode(
                    "utf-8"
                )
                + b"\n"
                for minute in minutes
            )
            _append(self.journal_path(hour), lines)
            for minute in minutes:
                del self._pending[minute]  # only once on disk: a failed append is tried again

    def _fold(self, cutover: int) -> None:
        """Minutes before `cutover` become hour buckets; only the day files they touch are written."""
        if cutover <= self._folded_to:
            return  # folded this hour already (a result that came late re-arms it, see `add`)
        touched = self._unwritten_days  # days whose file must be written (kept if a write fails)
        for key, by_hour in self.minutes.items():
            old = sorted(hour for hour in by_hour if hour < cutover)
            if not old:
                continue
            hours = self.hours.setdefault(key, {})
            in_order = not hours or old[0] >= next(reversed(hours))
            for hour in old:
                del by_hour[hour]
                good, total = self._minute_sums[key].pop(hour)
                _add(hours, hour, good, total)
                touched.add(hour - hour % DAY)
            if not in_order:
                self.hours[key] = dict(sorted(hours.items()))  # keep oldest first
        stale_journals = [path for hour, path in self.journals() if hour < cutover]
        if not touched and not stale_journals:
            self._folded_to = cutover
            return
        oldest = (cutover - int(self.window.total_seconds())) // HOUR * HOUR
        for buckets in self.hours.values():
            while buckets and (first := next(iter(buckets))) < oldest:
                del buckets[first]
        for day in sorted(touched):
            if day + DAY > oldest:
                self._write_day(day)  # an error leaves this day and the journals for next time
            touched.discard(day)
        for day, path in self.days():
            if day + DAY <= oldest:
                path.unlink(missing_ok=True)
                self._read_cache.pop(path, None)
        for path in stale_journals:  # folded and on disk in their day files
            path.unlink(missing_ok=True)
            self._read_cache.pop(path, None)
        self._folded_to = cutover

    def _write_day(self, day: int) -> None:
        table: dict[str, dict[str, Any]] = {}
        for key, buckets in self.hours.items():
            starts = []
            for start in reversed(buckets):  # oldest first: the day's hours are at the end
                if start < day:
                    break
                if start < day + DAY:
                    starts.append(start)
            if starts:
                starts.reverse()
                table[str(len(table) + 1)] = {
                    "key": key,
                    "t": starts,
                    "g": [buckets[start][0] for start in starts],
                    "n": [buckets[start][1] for start in starts],
                }
        db = open_db(self.day_path(day), read_only=False, notes=self.notes)
        db.storage.write({"_default": table})

    # ---------------------------------------------------------------- reading

    def counts(self, key: str, start: datetime, end: datetime | None = None) -> Counts:
        """Good/total from `start` on (hour buckets that overlap it count whole)."""
        begin = int(start.timestamp())
        finish = int(end.timestamp()) if end else None
        good = total = 0
        minutes = (m for buckets in self.minutes.get(key, {}).values() for m in buckets.items())
        for table, size in ((self.hours.get(key, {}).items(), HOUR), (minutes, MINUTE)):
            for bucket_start, (g, t) in table:
                if bucket_start + size > begin and (finish is None or bucket_start < finish):
                    good += g
                    total += t
        return Counts(good, total)

    def periods(self, key: str, now: datetime) -> dict[str, Counts]:
        """`counts` from now back over each burn window and the SLO window, in one pass."""
        spans = {**BURN_WINDOWS, "window": self.window}
        begins = sorted(
            ((int((now - span).timestamp()), label) for label, span in spans.items()), reverse=True
        )
        by_hour = self.minutes.get(key, {})
        newest_first = [
            (start, MINUTE, counts)
            for hour in sorted(by_hour, reverse=True)
            for start, counts in sorted(by_hour[hour].items(), reverse=True)
        ] + [(start, HOUR, self.hours[key][start]) for start in reversed(self.hours.get(key, {}))]
        found: dict[str, Counts] = {}
        good = total = 0
        for start, size, (g, t) in newest_first:
            while begins and start + size <= begins[0][0]:
                found[begins.pop(0)[1]] = Counts(good, total)  # older buckets are all outside
            if not begins:
                break
            good += g
            total += t
        found.update((label, Counts(good, total)) for _, label in begins)
        return found

    def hourly(self, key: str, now: datetime) -> list[tuple[datetime, Counts]]:
        """Counts per hour over the window (minutes folded in), oldest first."""
        merged: dict[int, tuple[int, int]] = dict(self.hours.get(key, {}))
        for hour, buckets in self.minutes.get(key, {}).items():
            for good, total in buckets.values():
                _add(merged, hour, good, total)
        oldest = (now - self.window).timestamp()
        return [
            (datetime.fromtimestamp(start, UTC), Counts(good, total))
            for start, (good, total) in sorted(merged.items())
            if start + HOUR > oldest
        ]

    def keys(self) -> list[str]:
        return sorted(set(self.minutes) | set(self.hours))


def _append(path: Path, data: bytes) -> None:
    """Append whole lines and flush them to disk (a crash leaves at most a torn last line)."""
    fd = os.open(
        path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644
    )
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotAFile(errno.EINVAL, f"{path.name} is not a regular file")
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except OSError:  # a full disk: take back what part of it went, so it is tried whole
            with contextlib.suppress(OSError):
                os.ftruncate(fd, info.st_size)
            raise
    finally:
        os.close(fd)
