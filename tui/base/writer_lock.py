"""`.room/lock`: the one room (or watcher) that writes the state folder holds it; others read.

Released when the process ends, so a killed writer never blocks the next one."""

from __future__ import annotations

import fcntl
import os
import stat
import time
from pathlib import Path

from tui.base.paths import can_write


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
