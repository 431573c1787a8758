"""The room's own files under `.room/`: TinyDB documents written atomically, one writer at a time.

- Each kind of data has its own file (`acks.json`, `history.json`, …), bounded by its owner.
- Writes go to a temp file that is renamed into place: a crash never leaves half a file.
- A file that does not parse is moved aside (`<name>.corrupt-<time>`), never overwritten, and the
  store starts empty; the move is reported so the room can say so.
- The room that holds `.room/lock` writes; a second room on the same state reads.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
import time
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

from tui.base.paths import NotAFile, can_write, read_file, write_atomic

MAX_FILE = 64 * 1024 * 1024  # no file of the room's own is near this: larger is damage


class AtomicJSONStorage(Storage):
    """TinyDB storage: read once into memory, every write a whole-file atomic replace."""

    def __init__(self, path: str, read_only: bool = False, notes: list[str] | None = None) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.notes = notes if notes is not None else []
        self._data: dict[str, Any] | None = None
        self._loaded = False

    def read(self) -> dict[str, Any] | None:
        if not self._loaded:
            self._data = self._load()
            self._loaded = True
        return self._data

    def reload(self) -> None:
        self._loaded = False

    def _load(self) -> dict[str, Any] | None:
        try:
            raw = read_file(self.path, MAX_FILE)
        except FileNotFoundError:
            return None
        except (NotAFile, ValueError) as exc:  # a link, a FIFO, a device, far too large
            self.notes.append(f"{self.path.name}: {exc}; set aside")
            self._set_aside()
            return None
        except OSError as exc:
            self.notes.append(
                f"{self.path}: cannot be read ({exc.strerror or exc}); starting empty"
            )
            return None
        if not raw.strip():
            return None
        try:
            data = json.loads(raw.decode("utf-8"))
            if not _tinydb_shaped(data):
                raise ValueError("not a TinyDB document")
        except (ValueError, UnicodeDecodeError):
            self._set_aside()
            return None
        return data

    def _set_aside(self) -> None:
        if self.read_only:
            self.notes.append(f"{self.path}: corrupt; ignored (read-only, left in place)")
            return
        aside = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(self.path, aside)
            self.notes.append(
                f"{self.path.name} was corrupt: moved aside to {aside.name}; started fresh"
            )
        except OSError as exc:
            self.notes.append(
                f"{self.path}: corrupt and cannot be moved aside ({exc}); starting empty"
            )

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        self._loaded = True
        if self.read_only:
            return  # kept in memory only; the room says it is read-only
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps(data, separators=(",", ":")).encode("utf-8"))

    def close(self) -> None:
        pass


def _tinydb_shaped(data: Any) -> bool:
    """{table: {numeric id: {...}}}: what TinyDB itself can read back without raising."""
    return isinstance(data, dict) and all(
        isinstance(table, dict)
        and all(
            isinstance(doc_id, str)
            and doc_id.isascii()
            and doc_id.isdigit()
            and len(doc_id) < 18
            and isinstance(doc, dict)
            for doc_id, doc in table.items()
        )
        for table in data.values()
    )


def open_db(path: Path, *, read_only: bool, notes: list[str] | None = None) -> TinyDB:
    """A TinyDB over `path`; in read-only mode changes stay in memory."""
    return TinyDB(str(path), storage=AtomicJSONStorage, read_only=read_only, notes=notes)


class WriterLock:
    """`.room/lock`, held with flock by the one room that writes. Released when the process ends."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "lock"
        self._fd: int | None = None

    def acquire(self) -> bool:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # a FIFO or device named lock
                os.close(fd)
                return False
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        try:  # who holds it, for a person looking; the flock is the lock, so a full disk is fine
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:
            pass
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def sweep_temp_files(folder: Path, older_than: float = 600.0) -> int:
    """Remove temp files a killed writer left in `folder` and one level below (`.<name>.tmp`,
    written by write_atomic), when older than `older_than` seconds. Only the writer calls it."""
    removed = 0
    now = time.time()
    for path in [*folder.glob(".*.tmp"), *folder.glob("*/.*.tmp")]:
        try:
            info = path.lstat()
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > older_than:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed


LOCK_HELD = "another room holds .room/lock"


def why_read_only(root: Path, lock: WriterLock, *, asked: bool) -> str | None:
    """Why a room on `root` must only read (None: it writes, holding `lock`)."""
    if asked:
        return "--read-only"
    if not can_write(root):
        return "cannot write under the state folder"
    if not lock.acquire():
        return LOCK_HELD
    return None
