"""The room's own files under `.room/`: TinyDB documents written atomically, one writer at a time.

- Each kind of data has its own file (`acks.json`, `history.json`, …), bounded by its owner.
- Writes go to a temp file that is renamed into place: a crash never leaves half a file.
- A file that does not parse is moved aside (`<name>.corrupt-<time>`), never overwritten, and the
  store starts empty; the move is reported so the room can say so.
- The room that holds `.room/lock` (`writer_lock`) writes; a second room on the same state reads.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

from tui.base.paths import NotAFile, read_file, write_atomic

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
