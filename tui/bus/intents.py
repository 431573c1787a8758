"""Hat-switch intents: `intents/**/*.md`, written by a role before it acts in another's hat.

SPEC section 7. Front matter: `role` (who switches), `acting_as` (whose hat), `reason`,
`created`, optional `until`, `closed` (written when the switch is over) and `ticket`. A file that
cannot be read as an intent is listed with its reason, like a malformed ticket; links are not
followed, nothing under `intents/` is written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tui.base.clock import iso
from tui.base.config import ROLE_PATTERN
from tui.base.durations import format_duration
from tui.base.paths import NotAFile, read_file
from tui.base.sanitize import clean
from tui.bus.front_matter import (
    HeaderError,
    _created,
    _scalar,
    load_header,
    split_front_matter,
)
from tui.bus.tickets import MAX_SIZE, Malformed, is_ticket_name, relative

FOLDER = "intents"
MAX_INTENTS = 2000  # read at most this many files a scan: the rest is said, not read


@dataclass(frozen=True)
class Intent:
    path: str
    role: str
    acting_as: str
    reason: str
    created: datetime
    until: datetime | None = None
    closed: datetime | None = None
    ticket: str | None = None

    @property
    def open(self) -> bool:
        return self.closed is None

    def overdue(self, now: datetime, intent_after: timedelta) -> str | None:
        """Why an open switch needs a person (None: it does not): past its `until`, or open
        longer than `intent_after`."""
        if not self.open:
            return None
        if self.until is not None and now > self.until:
            return f"past its until ({format_duration(now - self.until)} ago) and not closed"
        if now - self.created > intent_after:
            return f"open {format_duration(now - self.created)}"
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "role": self.role,
            "acting_as": self.acting_as,
            "reason": self.reason,
            "created": iso(self.created),
            "until": iso(self.until),
            "closed": iso(self.closed),
            "open": self.open,
            "ticket": self.ticket,
        }


def read_intents(root: Path) -> tuple[list[Intent], list[Malformed], list[str]]:
    """Every intent under `<root>/intents/` (nested folders too), newest first; the files that
    are not intents; problems (a folder that cannot be read, too many files)."""
    top = root / FOLDER
    intents: list[Intent] = []
    malformed: list[Malformed] = []
    problems: list[str] = []
    if not top.is_dir() or top.is_symlink():
        if top.is_symlink():
            problems.append("intents/ is a link: not followed")
        return intents, malformed, problems
    names: list[Path] = []

    def unreadable(exc: OSError) -> None:
        problems.append(clean(f"{relative(root, Path(exc.filename or top))}: cannot be read"))

    for folder, dirs, files in os.walk(top, onerror=unreadable):  # links to folders not followed
        dirs.sort()
        names.extend(Path(folder) / name for name in sorted(files) if is_ticket_name(name))
        if len(names) > MAX_INTENTS:
            problems.append(f"over {MAX_INTENTS} files under intents/: the rest not read")
            names = names[:MAX_INTENTS]
            break
    for path in names:
        found = read_intent(root, path)
        if isinstance(found, Intent):
            intents.append(found)
        elif found is not None:
            malformed.append(found)
    intents.sort(key=lambda i: i.created, reverse=True)
    return intents, malformed, problems


def read_intent(root: Path, path: Path) -> Intent | Malformed | None:
    rel = relative(root, path)
    try:
        data = read_file(path, MAX_SIZE)
    except FileNotFoundError:
        return None
    except NotAFile as exc:
        return Malformed(rel, None, clean(f"not read: {exc.strerror}"))
    except ValueError:
        return Malformed(rel, None, "larger than 1 MiB")
    except OSError as exc:
        return Malformed(rel, None, clean(f"unreadable ({exc.strerror or exc})"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Malformed(rel, None, "not UTF-8 text")
    parts = split_front_matter(text)
    if isinstance(parts, str):
        return Malformed(rel, None, parts)
    try:
        meta = load_header(parts[0])
    except HeaderError as exc:
        return Malformed(rel, None, clean(f"bad YAML in the front matter: {exc.problem}"))
    except Exception as exc:  # nested too deep, or anything else: a reason, never a crash
        said = str(exc) or type(exc).__name__
        return Malformed(rel, None, clean(f"bad YAML in the front matter: {said}"))
    if not isinstance(meta, dict):
        return Malformed(rel, None, "front matter is not a mapping")
    return parse_intent(rel, meta)


def parse_intent(rel: str, meta: dict[str, Any]) -> Intent | Malformed:
    role, acting_as = _scalar(meta.get("role")) or "", _scalar(meta.get("acting_as")) or ""
    for key, value in (("role", role), ("acting_as", acting_as)):
        if not ROLE_PATTERN.match(value):
            return Malformed(rel, None, f"'{key}' must be a role name, got {value!r}")
    if meta.get("created") in (None, ""):
        return Malformed(rel, None, "missing 'created' (when the switch began)")
    moments: dict[str, datetime | None] = {}
    for key in ("created", "until", "closed"):
        if meta.get(key) in (None, ""):
            moments[key] = None
            continue
        moment = _created(meta[key])
        if isinstance(moment, str):
            return Malformed(rel, None, moment.replace("'created'", f"'{key}'"))
        moments[key] = moment
    created = moments["created"]
    assert created is not None
    return Intent(
        path=rel,
        role=role,
        acting_as=acting_as,
        reason=_scalar(meta.get("reason")) or "(no reason given)",
        created=created,
        until=moments["until"],
        closed=moments["closed"],
        ticket=_scalar(meta.get("ticket")) or None,
    )
