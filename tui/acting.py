"""Acting from the command line: `ack`, `resolve`, `reply`, `archive` and `file` (SPEC section 6).

Exit 0 done, 1 refused (read-only state), 2 usage error or unknown id. When a watcher or a room
holds the writer lock, the action is left for it in `.room/requests/` and this command waits up to
a few seconds to say it was carried out; with no writer, this command takes the lock and acts
itself, through the same engine.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from tui.base.clock import iso, system_clock
from tui.base.config import Config
from tui.base.durations import format_duration, parse_duration
from tui.base.paths import can_write, read_file, room_dir
from tui.base.sanitize import clean
from tui.base.writer_lock import WriterLock
from tui.bus import writing
from tui.bus.acks import Acks
from tui.bus.composing import MAX_BODY
from tui.bus.scanner import Scanner
from tui.bus.tickets import Ticket
from tui.ops import audit, requests
from tui.ops.deliveries import verify_of
from tui.ops.engine import Operations
from tui.ops.incidents import IncidentBook
from tui.ops.watcher_file import read_watcher

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
NOTE_ASKS = {"resolve": "what was done", "silence": "why its pages stop"}
MAX_SILENCE = timedelta(days=7)  # a silence is a pause, not a way to mute a site for good
WAIT_FOR_WRITER = 5.0  # seconds `ack` waits for the watcher to carry a request out


def _say(args: argparse.Namespace, ok: bool, message: str, path: str | None) -> None:
    if getattr(args, "json", False):
        print(json.dumps({"ok": ok, "id": args.id, "path": path, "message": message}))
    else:
        print(f"{path}: {message}" if path else message)


def act(root: Path, config: Config, args: argparse.Namespace) -> int:
    action = args.command  # ack | resolve | silence
    target = args.id
    by = args.by or audit.user()
    folder = room_dir(root)
    note = args.note or ""
    if action in ("resolve", "silence") and not note.strip():
        return usage(args, f"--note: say {NOTE_ASKS[action]} (an empty note is refused)")
    until = ""
    if action == "silence":
        try:
            length = parse_duration(args.duration)
        except ValueError:
            return usage(args, f'--for: a duration such as "30m" or "2h", got {args.duration!r}')
        if not timedelta(0) < length <= MAX_SILENCE:
            return usage(args, f"--for: above 0 and at most {format_duration(MAX_SILENCE)}")
        until = iso(system_clock() + length) or ""
    if len(note) > requests.MAX_NOTE:
        return usage(args, f"--note: {len(note):,} characters, at most {requests.MAX_NOTE:,}")
    try:
        writing.check_text("--note", note)
    except writing.BadInput as exc:
        return usage(args, str(exc))
    book = IncidentBook(folder, read_only=True)
    incident = book.get(target)
    if incident is None:
        if action in ("resolve", "silence"):
            return usage(
                args, f"no incident {target!r}{_near(target, [i.id for i in book.incidents])}"
            )
        tickets = {t.id for t in Scanner(root, config.roles).scan().tickets}
        if target not in tickets:
            known = [*tickets, *(i.id for i in book.incidents)]
            return usage(
                args, f"no ticket or incident {target!r} in the inboxes{_near(target, known)}"
            )
    elif incident.state == "resolved" or (action == "ack" and incident.state == "acknowledged"):
        state = "resolved" if incident.state == "resolved" else "acknowledged"
        _say(args, False, f"refused: {target} is already {state}", None)
        return EXIT_REFUSED
    if not can_write(root):
        _say(args, False, "refused: the state folder is read-only here", None)
        return EXIT_REFUSED
    now = system_clock()
    lock = WriterLock(folder)
    if lock.acquire():  # no writer: act here, through the same engine
        try:
            ops = Operations(root, config, writer=True, now=now)
            acks = Acks(folder, read_only=False)
            request = requests.Request(Path(), action, target, by, args.note, "", until)
            message = requests.apply(request, ops, acks, now)
        finally:
            lock.release()
        written = "incidents.json" if incident is not None else "acks.json"
        details = {"until": until} if until else {}
        problem = audit.record(folder, now, action, id=target, by=by, note=args.note, **details)
        _say(args, True, message + (f" ({problem})" if problem else ""), f".room/{written}")
        return EXIT_OK
    try:
        path = requests.drop(folder, action, target, by, args.note, now, until)
    except OSError as exc:
        _say(args, False, f"refused: the request cannot be left: {exc.strerror or exc}", None)
        return EXIT_REFUSED
    extra = {"until": until} if until else {}
    audit.record(folder, now, action, id=target, by=by, note=args.note, via="request", **extra)
    relative = str(path.relative_to(root))
    watcher = read_watcher(folder)
    writer = f"the watcher (pid {watcher['pid']})" if watcher else "the room holding the lock"
    deadline = time.monotonic() + WAIT_FOR_WRITER
    while time.monotonic() < deadline:
        if not requests.is_pending(path):
            _say(args, True, f"carried out by {writer}", relative)
            return EXIT_OK
        time.sleep(0.05)
    _say(args, True, f"left for {writer}; not carried out yet", relative)
    return EXIT_OK


# ---------------------------------------------------------------------------------------- tickets


def usage(args: argparse.Namespace, message: str) -> int:
    """A usage error: one line (one JSON line with --json), exit 2, nothing written."""
    if getattr(args, "json", False):
        print(json.dumps({"ok": False, "error": "usage", "message": message}, ensure_ascii=False))
    else:
        print(f"sisyphus-room: {message}")
    return EXIT_USAGE


def _near(wanted: str, known: list[str]) -> str:
    """ "; did you mean X?" for an id typed in another case or one slip away."""
    same_case = [k for k in known if k.lower() == wanted.lower()]
    close = same_case or difflib.get_close_matches(wanted, known, n=1, cutoff=0.8)
    return f"; did you mean {close[0]}?" if close else ""


def _body(args: argparse.Namespace) -> str:
    """--body TEXT, --body-file FILE, or --body-file - (standard input, read up to the limit).

    BadInput for what cannot be a body (too long, not UTF-8, a NUL)."""
    if getattr(args, "body", None) is not None:
        return writing.check_text("--body", str(args.body))
    name = getattr(args, "body_file", None)
    if name is None:
        return ""
    shown = clean(name)
    if name == "-":
        raw = sys.stdin.buffer.read(MAX_BODY + 1)
        if len(raw) > MAX_BODY:
            raise writing.BadInput(f"--body-file -: standard input is over {MAX_BODY:,} bytes")
    else:
        try:
            raw = read_file(Path(name), MAX_BODY)
        except (OSError, ValueError) as exc:
            raise writing.BadInput(
                f"--body-file {shown}: {clean(str(getattr(exc, 'strerror', None) or exc))}"
            ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise writing.BadInput(f"--body-file {shown}: not UTF-8 text") from None
    return writing.check_text(f"--body-file {shown}", text)


def _audit(root: Path, args: argparse.Namespace, now: Any, action: str, **details: Any) -> str:
    """Record the action; a log that could not be written is said (on stderr), never skipped."""
    problem = audit.record(room_dir(root), now, action, **details)
    if problem:
        print(f"sisyphus-room: {problem}", file=sys.stderr)
    return problem or ""


def _written(args: argparse.Namespace, message: str, paths: dict[str, Any], problem: str) -> int:
    if getattr(args, "json", False):
        extra = {"audit": problem} if problem else {}
        print(json.dumps({"ok": True, "message": message} | paths | extra, ensure_ascii=False))
    else:  # the paths written, one a line (SPEC section 6); the sentence for a person on stderr
        for path in paths.values():
            print("\n".join(path) if isinstance(path, list) else path)
        print(f"sisyphus-room: {message}", file=sys.stderr)
    return EXIT_OK


def _refused(args: argparse.Namespace, reason: str, paths: dict[str, Any] | None = None) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"ok": False, "message": reason} | (paths or {}), ensure_ascii=False))
    else:
        print(f"refused: {reason}")
    return EXIT_REFUSED


def _rel(root: Path, path: Path) -> str:
    return clean(path.relative_to(root).as_posix())


def _find(root: Path, config: Config, ticket_id: str) -> list[Ticket]:
    return [t for t in Scanner(root, config.roles).scan().tickets if t.id == ticket_id]


def _missing(root: Path, args: argparse.Namespace, ticket_id: str) -> int:
    """An id not in the inboxes: refused (1) when it is in the archive already (answered or
    archived meanwhile, perhaps by the same command run twice at once), else unknown (2)."""
    archive = root / "tickets" / "archive"
    name = f"{ticket_id}.md"
    if "/" not in ticket_id and ticket_id not in (".", ".."):
        with contextlib.suppress(OSError), os.scandir(archive) as months:
            for month in sorted(months, key=lambda entry: entry.name, reverse=True):
                if os.path.lexists(os.path.join(month.path, name)):
                    where = _rel(root, Path(month.path) / name)
                    return _refused(args, f"{ticket_id} is already in the archive ({where})")
    return usage(args, f"no ticket {ticket_id!r} in the inboxes")


def reply_command(root: Path, config: Config, args: argparse.Namespace) -> int:
    try:
        body = _body(args)
        sender = writing.check_role("--from", args.sender or config.owner)
    except writing.BadInput as exc:
        return usage(args, str(exc))
    found = _find(root, config, args.id)
    if not found:
        return _missing(root, args, args.id)
    if len(found) > 1:
        where = ", ".join(t.path for t in found)
        return usage(args, f"{len(found)} tickets share the id {args.id!r} ({where})")
    now = system_clock()
    try:
        done = writing.reply(root, found[0], args.status, body, sender, now, keep=args.keep)
    except writing.BadInput as exc:
        return usage(args, str(exc))
    except writing.HalfDone as exc:
        paths = {"path": _rel(root, exc.path)}
        _audit(root, args, now, "reply", id=args.id, status=args.status, half_done=True, **paths)
        return _refused(args, str(exc), paths)
    except writing.Refused as exc:
        return _refused(args, str(exc))
    paths = {"path": _rel(root, done.path)}
    if done.archived is not None:
        paths["archived"] = _rel(root, done.archived.target)
    problem = _audit(root, args, now, "reply", id=args.id, status=args.status, **paths)
    said = "the reply written before is kept; " if done.found else ""
    return _written(args, f"{said}replied to {args.id} ({args.status})", paths, problem)


def archive_command(root: Path, config: Config, args: argparse.Namespace) -> int:
    ids = list(dict.fromkeys(args.ids))  # `archive T-1 T-1` archives T-1 once
    tickets = Scanner(root, config.roles).scan().tickets
    chosen = []
    for ticket_id in ids:
        found = [t for t in tickets if t.id == ticket_id]
        if not found:
            return _missing(root, args, ticket_id)
        if len(found) > 1:
            return usage(args, f"{len(found)} tickets share the id {ticket_id!r} in the inboxes")
        chosen.append(found[0])
    now = system_clock()
    moved: list[str] = []
    for ticket in chosen:
        try:
            done = writing.archive(root, ticket, now)
        except writing.Refused as exc:
            if moved:
                _audit(root, args, now, "archive", ids=ids[: len(moved)], paths=moved)
            return _refused(
                args, f"{exc} (archived before it: {', '.join(moved) or 'none'})", {"paths": moved}
            )
        moved.append(_rel(root, done.target))
    problem = _audit(root, args, now, "archive", ids=ids, paths=moved)
    return _written(args, f"archived {len(moved)}", {"paths": moved}, problem)


def file_command(root: Path, config: Config, args: argparse.Namespace) -> int:
    try:
        to = writing.check_role("--to", args.to)
        sender = writing.check_role("--from", args.sender or config.owner)
        body = _body(args)
        if args.verify is not None and (
            verify_of({"url": args.verify}) is None
            or any(c.isspace() or not c.isprintable() for c in args.verify)
        ):
            raise writing.BadInput(
                f"--verify {clean(args.verify)!r}: an http:// or https:// URL without spaces"
            )
    except writing.BadInput as exc:
        return usage(args, str(exc))
    known = set(config.roles) | set(Scanner(root, config.roles).scan().roles)
    if to not in known:
        return usage(args, f"--to {to!r}: no such role (known: {', '.join(sorted(known))})")
    now = system_clock()
    try:
        path = writing.file_ticket(
            root,
            to,
            args.subject,
            sender,
            now,
            priority=args.priority,
            deliverable=args.deliverable,
            verify=args.verify,
            body=body,
        )
    except writing.BadInput as exc:
        return usage(args, str(exc))
    except writing.Refused as exc:
        return _refused(args, str(exc))
    paths = {"path": _rel(root, path)}
    problem = _audit(root, args, now, "file", to=to, **paths)
    return _written(args, f"filed to {to}", paths, problem)
