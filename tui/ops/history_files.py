"""The SLO history's files read back: a day file (per key, hours as parallel lists) and an hour's
journal (a line per minute). A damaged entry is skipped; a torn journal is set aside as it is and
read on from a clean copy of its good lines (never in a read-only room)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from tui.base.paths import read_file, write_atomic
from tui.base.storage import MAX_FILE, open_db


def read_day(
    path: Path, read_only: bool, notes: list[str]
) -> list[tuple[str, list[int], list[int], list[int]]]:
    """A day file: per key three parallel lists (start, good, total), compact and quick;
    each key's hours oldest first."""
    db = open_db(path, read_only=read_only, notes=notes)
    raw = db.storage.read() or {}
    found = []
    for doc in raw.get("_default", {}).values():
        try:
            key, starts, goods, totals = doc["key"], doc["t"], doc["g"], doc["n"]
            if not (
                isinstance(key, str)
                and isinstance(starts, list)
                and len(starts) == len(goods) == len(totals)
            ):
                continue
            if starts != sorted(starts):
                rows = sorted(zip(starts, goods, totals, strict=True))
                starts, goods, totals = (list(column) for column in zip(*rows, strict=True))
        except (KeyError, TypeError, ValueError):
            continue  # a damaged entry is skipped; the rest of the history stands
        found.append((key, starts, goods, totals))
    return found


def read_journal(
    path: Path, read_only: bool, notes: list[str]
) -> list[tuple[int, dict[str, tuple[int, int]]]]:
    try:
        raw = read_file(path, MAX_FILE)
    except (OSError, ValueError) as exc:
        notes.append(f"{path.name}: cannot be read ({exc}); skipped")
        return []
    entries: list[tuple[int, dict[str, tuple[int, int]]]] = []
    good_lines: list[bytes] = []
    damaged = 0
    for line in raw.splitlines():
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
            minute, counts = doc["t"], doc["c"]
            if not isinstance(minute, int) or not isinstance(counts, dict):
                raise ValueError("not a journal line")
            parsed = {}
            for key, (good, total) in counts.items():
                if not (isinstance(good, int) and isinstance(total, int)):
                    raise ValueError("counts are not whole numbers")
                parsed[str(key)] = (good, total)
        except (ValueError, KeyError, TypeError, AttributeError):
            damaged += 1
            continue
        entries.append((minute, parsed))
        good_lines.append(line)
    if damaged or (raw and not raw.endswith(b"\n")):
        set_aside(path, good_lines, damaged, read_only, notes)
    return entries


def set_aside(
    path: Path, good_lines: list[bytes], damaged: int, read_only: bool, notes: list[str]
) -> None:
    """A torn journal: keep the damaged file as it is, go on with a clean copy of its good lines."""
    what = f"{path.name}: {damaged} damaged line(s) (a write cut short?)"
    if read_only:
        notes.append(f"{what}; the rest read (read-only, left in place)")
        return
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        os.replace(path, aside)
        write_atomic(path, b"".join(line + b"\n" for line in good_lines))
        notes.append(
            f"{what}: moved aside to {aside.name}; its {len(good_lines)} good line(s) kept"
        )
    except OSError as exc:
        notes.append(f"{what}; cannot be set aside ({exc}); the good lines are used")
