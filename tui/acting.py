"""Acting from the command line: `ack`, `resolve`, `reply`, `archive` and `file` (SPEC section 6).

Exit 0 done, 1 refused (read-only state), 2 usage error or unknown id. When a watcher or a room
holds the writer lock, the action is left for it in `.room/requests/` and this command waits up to
a few seconds to say it was carried out; with no writer, this command takes the lock and acts
itself, through the same engine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tui.base.clock import system_clock
from tui.base.config import ROLE_PATTERN, Config
from tui.base.paths import can_write, read_file, room_dir
from tui.base.storage import WriterLock
from tui.bus import writing
from tui.bus.acks import Acks
from tui.bus.scanner import Scanner
from tui.bus.tickets import Ticket
from tui.bus.writing import MAX_BODY
from tui.ops import audit, requests
from tui.ops.deliveries import verify_of
from tui.ops.engine import Operations
from tui.ops.incidents import IncidentBook
from tui.ops.watcher_file import read_watcher

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
WAIT_FOR_WRITER = 5.0  # seconds `ack` waits for the watcher to carry a request out


def _say(args: argparse.Namespace, ok: bool, message: str, path: str | None) -> None:
    if getattr(args, "json", False):
        print(json.dumps({"ok": ok, "id": args.id, "path": path, "message": message}))
    else:
        print(f"{path}: {message}" if path else message)


def act(root: Path, config: Config, args: argparse.Namespace) -> int:
    action = args.command  # ack | resolve
    target = args.id
    by = args.by or audit.user()
    folder = room_dir(root)
    book = IncidentBook(folder, read_only=True)
    incident = book.get(target)
    if incident is None:
        if action == "resolve":
            print(f"sisyphus-room: no incident {target!r} (see `sisyphus-room status`)")
            return EXIT_USAGE
        tickets = {t.id for t in Scanner(root, config.roles).scan().tickets}
        if target not in tickets:
            print(f"sisyphus-room: no ticket or incident {target!r} in the inboxes")
            return EXIT_USAGE
    if not can_write(root):
        _say(args, False, "refused: the state folder is read-only here", None)
        return EXIT_REFUSED
    now = system_clock()
    lock = WriterLock(folder)
    if lock.acquire():  # no writer: act here, through the same engine
        try:
            ops = Operations(root, config, writer=True, now=now)
            acks = Acks(folder, read_only=False)
            request = requests.Request(Path(), action, target, by, args.note, "")
            message = requests.apply(request, ops, acks, now)
        finally:
            lock.release()
        written = "incidents.json" if incident is not None else "acks.json"
        problem = audit.record(folder, now, action, id=target, by=by, note=args.note)
        _say(args, True, message + (f" ({problem})" if problem else ""), f".room/{written}")
        return EXIT_OK
    path = requests.drop(folder, action, target, by, args.note, now)
    audit.record(folder, now, action, id=target, by=by, note=args.note, via="request")
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


def _body(args: argparse.Namespace) -> str | None:
    """--body TEXT, --body-file FILE, or --body-file - (standard input)."""
    if getattr(args, "body", None) is not None:
        return str(args.body)
    name = getattr(args, "body_file", None)
    if name is None:
        return ""
    if name == "-":
        return sys.stdin.read()
    try:
        raw = read_file(Path(name), MAX_BODY)
    except (OSError, ValueError) as exc:
        print(f"sisyphus-room: --body-file {name}: {getattr(exc, 'strerror', None) or exc}")
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        print(f"sisyphus-room: --body-file {name}: not UTF-8 text")
        return None


def _written(root: Path, args: argparse.Namespace, message: str, paths: dict[str, str]) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"ok": True, "message": message} | paths))
    else:
        for path in paths.values():
            print(path)
    return EXIT_OK


def _refused(args: argparse.Namespace, reason: str) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"ok": False, "message": reason}))
    else:
        print(f"refused: {reason}")
    return EXIT_REFUSED


def _rel(root: Path, path: Path) -> str:
    return str(path.relative_to(root))


def _find(root: Path, config: Config, ticket_id: str) -> list[Ticket]:
    return [t for t in Scanner(root, config.roles).scan().tickets if t.id == ticket_id]


def reply_command(root: Path, config: Config, args: argparse.Namespace) -> int:
    found = _find(root, config, args.id)
    if not found:
        print(f"sisyphus-room: no ticket {args.id!r} in the inboxes")
        return EXIT_USAGE
    if len(found) > 1:
        where = ", ".join(t.path for t in found)
        print(f"sisyphus-room: {len(found)} tickets share the id {args.id!r} ({where})")
        return EXIT_USAGE
    body = _body(args)
    if body is None:
        return EXIT_USAGE
    sender = args.sender or config.owner
    now = system_clock()
    try:
        done = writing.reply(root, found[0], args.status, body, sender, now, keep=args.keep)
    except writing.Refused as exc:
        return _refused(args, str(exc))
    paths = {"path": _rel(root, done.path)}
    if done.archived is not None:
        paths["archived"] = _rel(root, done.archived.target)
    audit.record(room_dir(root), now, "reply", id=args.id, status=args.status, **paths)
    return _written(root, args, f"replied to {args.id}", paths)


def archive_command(root: Path, config: Config, args: argparse.Namespace) -> int:
    tickets = Scanner(root, config.roles).scan().tickets
    chosen = []
    for ticket_id in args.ids:
        found = [t for t in tickets if t.id == ticket_id]
        if len(found) != 1:
            why = "no ticket" if not found else f"{len(found)} tickets share the id"
            print(f"sisyphus-room: {why} {ticket_id!r} in the inboxes")
            return EXIT_USAGE
        chosen.append(found[0])
    now = system_clock()
    moved: list[str] = []
    for ticket in chosen:
        try:
            done = writing.archive(root, ticket, now)
        except writing.Refused as exc:
            if moved:
                audit.record(room_dir(root), now, "archive", paths=moved)
            return _refused(args, f"{exc} (archived before it: {', '.join(moved) or 'none'})")
        moved.append(_rel(root, done.target))
    audit.record(room_dir(root), now, "archive", ids=args.ids, paths=moved)
    if args.json:
        print(json.dumps({"ok": True, "message": f"archived {len(moved)}", "paths": moved}))
    else:
        print("\n".join(moved))
    return EXIT_OK


def file_command(root: Path, config: Config, args: argparse.Namespace) -> int:
    if not ROLE_PATTERN.match(args.to):
        print(f"sisyphus-room: --to {args.to!r}: a role name of [a-z0-9][a-z0-9_-]*")
        return EXIT_USAGE
    known = set(config.roles) | set(Scanner(root, config.roles).scan().roles)
    if args.to not in known:
        print(f"sisyphus-room: --to {args.to!r}: no such role (known: {', '.join(sorted(known))})")
        return EXIT_USAGE
    if args.verify and verify_of({"url": args.verify}) is None:
        print(f"sisyphus-room: --verify {args.verify!r}: expected an http:// or https:// URL")
        return EXIT_USAGE
    body = _body(args)
    if body is None:
        return EXIT_USAGE
    now = system_clock()
    try:
        path = writing.file_ticket(
            root,
            args.to,
            args.subject,
            args.sender or config.owner,
            now,
            priority=args.priority,
            deliverable=args.deliverable,
            verify=args.verify,
            body=body,
        )
    except writing.Refused as exc:
        return _refused(args, str(exc))
    paths = {"path": _rel(root, path)}
    audit.record(room_dir(root), now, "file", to=args.to, **paths)
    return _written(root, args, f"filed to {args.to}", paths)
