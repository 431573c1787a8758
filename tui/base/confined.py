"""Writing under the state root and nowhere else.

A folder under the root is opened one name at a time with O_NOFOLLOW|O_DIRECTORY, each relative
to the one before: an inbox, an archive month or `.room` that is a link (to anywhere, even inside
the root) is refused, and swapping a folder for a link while a write is under way changes nothing,
since every later call works from the folder already opened (the `*at` system calls). The root
itself is the person's choice and may be a link.

Files are created under a temp name readers ignore and linked into place (never replacing one);
moves use renameat2(RENAME_NOREPLACE), so a ticket is in exactly one place whoever else renames it
at the same moment.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from tui.base.paths import FILE_MODE


class Outside(OSError):
    """A folder on the way is a link or not a folder: nothing was written; worded for a person."""


def _parts(relative: str | PurePosixPath) -> list[str]:
    parts = [p for p in PurePosixPath(relative).parts if p not in ("", ".")]
    if any(p in ("..", "/") or "\0" in p for p in parts):
        raise Outside(errno.EINVAL, f"{relative}: not a path under the state folder")
    return parts


@contextmanager
def folder(root: Path, relative: str | PurePosixPath, *, create: bool = True) -> Iterator[int]:
    """An open file descriptor of `root/relative`, each step taken without following a link;
    missing folders are made (0777 less the umask) when `create`."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    walked: list[str] = []
    try:
        for part in _parts(relative):
            walked.append(part)
            try:
                step = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o777, dir_fd=fd)
                step = _open_step(fd, part, walked)
            except OSError as exc:
                raise _refusal(fd, part, walked, exc) from None
            os.close(fd)
            fd = step
        yield fd
    finally:
        os.close(fd)


def _open_step(fd: int, part: str, walked: list[str]) -> int:
    try:
        return os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
    except OSError as exc:
        raise _refusal(fd, part, walked, exc) from None


def _refusal(fd: int, part: str, walked: list[str], exc: OSError) -> OSError:
    where = "/".join(walked)
    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
        try:
            mode = os.lstat(part, dir_fd=fd).st_mode
        except OSError:
            mode = 0
        what = "a link" if stat.S_ISLNK(mode) else "not a folder"
        return Outside(exc.errno, f"{where} is {what}: nothing is written through it")
    return exc


def write_new(dir_fd: int, name: str, data: bytes) -> None:
    """Create `name` in the folder with `data`, whole or not at all, never replacing a file
    (FileExistsError when the name is taken)."""
    temp = f".{name}.{secrets.token_hex(4)}.tmp"
    fd = os.open(
        temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE, dir_fd=dir_fd
    )
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.link(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=dir_fd)
    sync(dir_fd)


def sync(dir_fd: int) -> None:
    with contextlib.suppress(OSError):
        os.fsync(dir_fd)


_RENAME_NOREPLACE = 1
# The process's own symbols, libc's among them: find_library("c") would run `ldconfig -p` first.
_libc = ctypes.CDLL(None, use_errno=True)
_renameat2 = getattr(_libc, "renameat2", None)


def move(src_fd: int, src: str, dst_fd: int, dst: str) -> None:
    """Move `src` to `dst` atomically, never replacing `dst` (FileExistsError) and failing with
    FileNotFoundError when `src` went meanwhile. Where the file system cannot do that in one step
    (no renameat2), a link and then an unlink."""
    if _renameat2 is not None:
        result = _renameat2(src_fd, os.fsencode(src), dst_fd, os.fsencode(dst), _RENAME_NOREPLACE)
        if result == 0:
            sync(dst_fd)
            sync(src_fd)
            return
        code = ctypes.get_errno()
        if code not in (errno.EINVAL, errno.ENOSYS):
            raise OSError(code, os.strerror(code))
    os.link(src, dst, src_dir_fd=src_fd, dst_dir_fd=dst_fd, follow_symlinks=False)
    os.unlink(src, dir_fd=src_fd)
    sync(dst_fd)
    sync(src_fd)


def append_line(dir_fd: int, name: str, data: bytes) -> None:
    """Append one line to a regular file (made when missing); a link, FIFO or folder at the name
    is refused (OSError), never written through or waited on."""
    fd = os.open(
        name,
        os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY,
        FILE_MODE,
        dir_fd=dir_fd,
    )
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        os.write(fd, data)  # one write of one line: appends from two processes never interleave
    finally:
        os.close(fd)
