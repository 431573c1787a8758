"""The ticket bus as a whole: every inbox read, the archive counted (SPEC sections 1–2).

`Scanner` keeps the last reading of each file keyed by (inode, size, mtime), so a rescan after a
watcher hint re-parses only what changed. The archive is counted, never parsed: it can be large.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from tui.base.config import ROLE_PATTERN
from tui.base.gcpause import gc_paused
from tui.base.paths import read_file
from tui.base.sanitize import clean
from tui.bus.intents import Intent, read_intents
from tui.bus.tickets import Malformed, Ticket, file_key, is_ticket_name, read_ticket

PRIORITY_ORDER = {"P0": 0, "P1": 1, "P2": 2, "P3": 3}


@dataclass(frozen=True)
class InboxSummary:
    role: str
    tickets: int
    responses: int
    stale: int
    malformed: int
    oldest: datetime | None
    exists: bool


@dataclass(frozen=True)
class BusSnapshot:
    """What the bus holds at one moment. `tickets` are the tickets in inboxes only."""

    root: Path
    roles: tuple[str, ...]
    tickets: tuple[Ticket, ...]
    malformed: tuple[Malformed, ...]
    archived: int
    problems: tuple[str, ...] = ()
    missing_inboxes: frozenset[str] = field(default_factory=frozenset)
    unreadable: tuple[str, ...] = ()  # the problems that hide tickets: the room cannot see there
    intents: tuple[Intent, ...] = ()  # hat switches under intents/, newest first
    bad_intents: tuple[Malformed, ...] = ()  # files under intents/ that are not intents


def is_future(ticket: Ticket, now: datetime, tolerance: timedelta = timedelta(minutes=1)) -> bool:
    """A `created` ahead of now: shown as clock skew, never stale."""
    return ticket.created - now > tolerance


def is_stale(ticket: Ticket, now: datetime, stale_after: timedelta) -> bool:
    """SPEC: needs_clarification, in an inbox, older than stale_after, not from the future."""
    return (
        ticket.status == "needs_clarification"
        and not is_future(ticket, now)
        and now - ticket.created > stale_after
    )


def stale_tickets(tickets: Iterable[Ticket], now: datetime, stale_after: timedelta) -> list[Ticket]:
    """Every stale ticket, oldest first."""
    found = [ticket for ticket in tickets if is_stale(ticket, now, stale_after)]
    return sorted(found, key=lambda ticket: ticket.created)


def sort_key(ticket: Ticket) -> tuple[int, datetime, str]:
    """Priority first (P0 on top), then oldest first."""
    return (PRIORITY_ORDER.get(ticket.priority, 2), ticket.created, ticket.id)


@dataclass
class _Tally:
    tickets: int = 0
    responses: int = 0
    stale: int = 0
    malformed: int = 0
    oldest: datetime | None = None


def summarize(state: BusSnapshot, now: datetime, stale_after: timedelta) -> list[InboxSummary]:
    """One line per role: counts, stale, malformed and the oldest ticket's time."""
    tallies = {role: _Tally() for role in state.roles}
    for ticket in state.tickets:
        tally = tallies.setdefault(ticket.role, _Tally())
        tally.tickets += 1
        tally.responses += ticket.is_response
        tally.stale += is_stale(ticket, now, stale_after)
        if tally.oldest is None or ticket.created < tally.oldest:
            tally.oldest = ticket.created
    for bad in state.malformed:
        if bad.role is not None:
            tallies.setdefault(bad.role, _Tally()).malformed += 1
    return [
        InboxSummary(
            role,
            t.tickets,
            t.responses,
            t.stale,
            t.malformed,
            t.oldest,
            role not in state.missing_inboxes,
        )
        for role, t in sorted(tallies.items())
    ]


def thread_of(ticket: Ticket, tickets: Iterable[Ticket]) -> tuple[Ticket | None, list[Ticket]]:
    """The ticket this one answers (if in an inbox) and the responses to it."""
    parent = None
    replies = []
    for other in tickets:
        if ticket.in_reply_to is not None and other.id == ticket.in_reply_to:
            parent = other
        if other.in_reply_to == ticket.id and other is not ticket:
            replies.append(other)
    return parent, sorted(replies, key=lambda t: t.created)


def count_archive(archive: Path) -> int:
    """Count archived ticket files, nested folders included, without reading them."""
    total = 0
    stack = [archive]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(Path(entry.path))
                        elif is_ticket_name(entry.name):
                            total += 1
                    except OSError:
                        continue
        except OSError:
            continue
    return total


def find_archived(
    archive: Path, ticket_id: str, limit: int = 200_000, headers: int = 20_000
) -> Path | None:
    """Find an archived ticket for the thread view: by file name (`<id>.md`) anywhere in the
    archive's folders, else by the `id:` in the headers of up to `headers` files."""
    return find_archived_many(archive, (ticket_id,), limit, headers).get(ticket_id)


def find_archived_many(
    archive: Path, wanted: Iterable[str], limit: int = 200_000, headers: int = 20_000
) -> dict[str, Path]:
    """Archived tickets by id, in one walk of the archive (at most `limit` entries): by file name
    (`<id>.md`) anywhere in its folders, else by the `id:` in the headers of up to `headers` files,
    read once for all of them."""
    left = set(wanted)
    found: dict[str, Path] = {}
    if not left:
        return found
    names = {f"{ticket_id}.md": ticket_id for ticket_id in left}
    stack, seen, others = [archive], 0, list[str]()
    while stack and seen < limit:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    seen += 1
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(Path(entry.path))
                    elif entry.name in names and entry.is_file():
                        found.setdefault(names[entry.name], Path(entry.path))
                        if len(found) == len(names):  # every one found by name: no more walk
                            return found
                    elif is_ticket_name(entry.name) and len(others) < headers:
                        others.append(entry.path)
        except OSError:
            continue
    left -= set(found)
    line = re.compile(r"^id:\s*[\"']?([^\"'\n]*?)[\"']?\s*$", re.MULTILINE)
    for path in others if left else []:  # archived under another name: agents do that
        try:
            head = read_file(Path(path), 1 << 20)[:4096].decode("utf-8", "replace")
        except (OSError, ValueError):
            continue
        match = line.search(head.split("\n---", 1)[0])
        if match and match.group(1) in left:
            found[match.group(1)] = Path(path)
            left.discard(match.group(1))
            if not left:
                break
    return found


class Scanner:
    """Reads the bus; remembers each file's last reading so rescans only parse what changed."""

    def __init__(self, root: Path, extra_roles: Iterable[str] = ()) -> None:
        self.root = root
        self.tickets_dir = root / "tickets"
        self.extra_roles = tuple(extra_roles)
        self._cache: dict[str, tuple[tuple[int, int, int], Ticket | Malformed]] = {}
        self._archived = 0
        self._archive_counted = False
        try:
            self._real_root = root.resolve()
        except OSError:
            self._real_root = root

    def scan(
        self,
        *,
        count_archive_too: bool = True,
        progress: Callable[[BusSnapshot], None] | None = None,
    ) -> BusSnapshot:
        """Read every inbox (cached by file version) and, when asked, recount the archive.

        `progress` is handed the partial state after each inbox (for a quick first paint).
        """
        with gc_paused():
            return self._scan(count_archive_too, progress)

    def _scan(
        self, count_archive_too: bool, progress: Callable[[BusSnapshot], None] | None
    ) -> BusSnapshot:
        problems: list[str] = []
        roles: set[str] = set(self.extra_roles)
        found: set[str] = set()
        tickets: list[Ticket] = []
        malformed: list[Malformed] = []
        seen_paths: set[str] = set()
        unreadable: list[str] = []
        folders = []
        try:
            with os.scandir(self.tickets_dir) as entries:
                for entry in entries:
                    if not entry.name.startswith("to_"):
                        continue
                    problem = self._inbox_problem(entry)  # one odd entry hides nothing else
                    if problem is None:
                        folders.append((entry.name, entry.path))
                    elif problem:
                        unreadable.append(clean(f"tickets/{entry.name}: {problem}"))
        except FileNotFoundError:
            unreadable.append("the tickets/ folder is missing")
        except OSError as exc:
            unreadable.append(clean(f"the tickets/ folder cannot be read: {exc.strerror or exc}"))
        folders.sort()
        for name, folder in folders:
            role = name[3:]
            if not ROLE_PATTERN.match(role):
                problems.append(clean(f"tickets/{name} is not a role folder name; ignored"))
                continue
            roles.add(role)
            found.add(role)
            self._scan_inbox(role, Path(folder), tickets, malformed, seen_paths, unreadable)
            if progress is not None:
                progress(
                    BusSnapshot(
                        self.root,
                        tuple(sorted(roles)),
                        tuple(tickets),
                        tuple(malformed),
                        self._archived,
                        tuple(problems),
                    )
                )
        for stale_path in set(self._cache) - seen_paths:
            del self._cache[stale_path]
        if count_archive_too or not self._archive_counted:
            self._archived = count_archive(self.tickets_dir / "archive")
            self._archive_counted = True
        intents, bad_intents, intent_problems = read_intents(self.root)
        problems.extend(intent_problems)
        return BusSnapshot(
            root=self.root,
            roles=tuple(sorted(roles)),
            tickets=tuple(_warn_duplicate_ids(tickets)),
            malformed=tuple(sorted(malformed, key=lambda bad: bad.path)),
            archived=self._archived,
            problems=tuple(unreadable + problems),
            missing_inboxes=frozenset(roles - found),
            unreadable=tuple(unreadable),
            intents=tuple(intents),
            bad_intents=tuple(bad_intents),
        )

    def _inbox_problem(self, entry: os.DirEntry[str]) -> str | None:
        """Why a `to_*` entry is not read as an inbox: None, it is one; "", a plain file."""
        try:
            if not entry.is_dir():
                return "a link to no folder; not read" if entry.is_symlink() else ""
            if entry.is_symlink():
                target = Path(entry.path).resolve(strict=True)
                if not target.is_relative_to(self._real_root):
                    return "a link to a folder outside the state folder; not read"
        except (OSError, RuntimeError) as exc:  # a link loop, a folder that cannot be looked at
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return f"cannot be read ({reason})"
        return None

    def _scan_inbox(
        self,
        role: str,
        folder: Path,
        tickets: list[Ticket],
        malformed: list[Malformed],
        seen: set[str],
        problems: list[str],
    ) -> None:
        try:
            with os.scandir(folder) as entries:
                listing = [entry for entry in entries if is_ticket_name(entry.name)]
        except OSError as exc:
            problems.append(clean(f"inbox of {role} cannot be read: {exc.strerror or exc}"))
            return
        fresh = []
        for entry in listing:
            key = file_key(entry)
            cached = self._cache.get(entry.path)
            if key is not None and cached is not None and cached[0] == key:
                seen.add(entry.path)
                _keep(cached[1], tickets, malformed)
            else:
                fresh.append((entry, key))
        if not fresh:
            return

        def read(
            item: tuple[os.DirEntry[str], tuple[int, int, int] | None],
        ) -> Ticket | Malformed | None:
            entry = item[0]
            rel = clean(f"tickets/{folder.name}/{entry.name}")
            try:
                return read_ticket(self.root, entry.path, role, self._real_root, rel, entry)
            except Exception as exc:  # one bad file costs one malformed row, never the scan
                return Malformed(rel, role, clean(f"cannot be read: {type(exc).__name__}: {exc}"))

        for (entry, key), result in zip(fresh, map(read, fresh), strict=True):
            if result is None:
                continue  # vanished while it was read: simply gone
            if key is not None:
                self._cache[entry.path] = (key, result)
            seen.add(entry.path)
            _keep(result, tickets, malformed)


def _keep(result: Ticket | Malformed, tickets: list[Ticket], malformed: list[Malformed]) -> None:
    if isinstance(result, Ticket):
        tickets.append(result)
    else:
        malformed.append(result)


def _warn_duplicate_ids(tickets: list[Ticket]) -> list[Ticket]:
    """Two inbox tickets with one id: each says where the other is."""
    paths: dict[str, list[str]] = {}
    for ticket in tickets:
        paths.setdefault(ticket.id, []).append(ticket.path)
    if all(len(found) == 1 for found in paths.values()):
        return tickets
    result = []
    for ticket in tickets:
        shared = paths[ticket.id]
        if len(shared) > 1:  # at most three names: 2,000 tickets of one id stay small
            others = [path for path in shared[:4] if path != ticket.path][:3]
            more = len(shared) - 1 - len(others)
            note = f"id {ticket.id!r} is also used by {', '.join(others)}" + (
                f" and {more:,} more" if more else ""
            )
            if note not in ticket.warnings:
                ticket = _with_warning(ticket, note)
        result.append(ticket)
    return result


def _with_warning(ticket: Ticket, note: str) -> Ticket:
    return replace(ticket, warnings=(*ticket.warnings, note))
