"""Acting from the command line: `ack` and `resolve` (SPEC section 6).

Exit 0 done, 1 refused (read-only state), 2 usage error or unknown id. When a watcher or a room
holds the writer lock, the action is left for it in `.room/requests/` and this command waits up to
a few seconds to say it was carried out; with no writer, this command takes the lock and acts
itself, through the same engine.
"""

from __future__ import annotations

import argparse
import getpass
import json
import time
from pathlib import Path

from tui.base.clock import system_clock
from tui.base.config import Config
from tui.base.paths import can_write, room_dir
from tui.base.storage import WriterLock
from tui.bus.acks import Acks
from tui.bus.scanner import Scanner
from tui.ops import audit, requests
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
    by = args.by or _user()
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


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
