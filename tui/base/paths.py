"""Where the state root is, and whether the room may write under it (SPEC section 1)."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

ENV_VAR = "SISYPHUS_STATE"
ROOM_DIR = ".room"


class StateError(Exception):
    """The state root cannot be found or used; worded for a person."""


def resolve_state_root(option: str | None, cwd: Path | None = None) -> Path:
    """`--state DIR`, else `$SISYPHUS_STATE`, else the current folder when it holds tickets/."""
    if option:
        return _check(Path(option).expanduser(), "--state")
    env = os.environ.get(ENV_VAR)
    if env:
        return _check(Path(env).expanduser(), f"${ENV_VAR}")
    here = cwd or Path.cwd()
    if (here / "tickets").is_dir():
        return here.absolute()
    raise StateError(
        f"no state folder: {here} has no tickets/ folder. "
        "Name one with --state DIR (or $SISYPHUS_STATE), or try the bundled sample with --demo."
    )


def _check(path: Path, source: str) -> Path:
    if not path.exists():
        raise StateError(f"{source} {path}: no such folder (try --demo for the bundled sample)")
    if not path.is_dir():
        raise StateError(f"{source} {path}: not a folder")
    if not (path / "tickets").is_dir():
        raise StateError(
            f"{source} {path}: has no tickets/ folder, so it is not a state root "
            "(expected tickets/to_<role>/*.md; try --demo for the bundled sample)"
        )
    return path.absolute()


def room_dir(root: Path) -> Path:
    return root / ROOM_DIR


def can_write(root: Path) -> bool:
    """True when a file can be written in `.room/`, or `.room/` could be made.

    Asking leaves nothing behind: a reading command on a state folder without `.room/` (the
    bundled sample, a colleague's checkout) must not create one.
    """
    folder = room_dir(root)
    if not os.path.lexists(folder):
        return root.is_dir() and os.access(root, os.W_OK | os.X_OK)
    if os.path.islink(folder):
        return False  # nothing is written through a link out of the state folder
    try:
        name = os.path.join(folder, f".probe-{os.getpid()}-{os.urandom(6).hex()}")
        os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
        os.unlink(name)
        return True
    except OSError:
        return False


class NotAFile(OSError):
    """A path that is a link, a FIFO, a device, a socket or a folder where a file belongs."""


def read_file(path: Path, limit: int) -> bytes:
    """Read a regular file without following a link, without blocking, at most `limit` bytes.

    FileNotFoundError when it is not there; NotAFile for a link, FIFO, device, socket or folder
    (opening a FIFO would block, a link could lead anywhere, /dev/zero never ends); ValueError
    when it is larger than `limit`. The room reads its own files and the config only this way.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_NOCTTY)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotAFile(errno.ELOOP, "a symbolic link, not a file") from None
        if exc.errno == errno.ENXIO:  # a socket (or a FIFO with no writer) cannot be opened
            try:
                mode = os.lstat(path).st_mode
            except OSError:
                raise exc from None
            raise NotAFile(errno.EINVAL, f"not a regular file ({_kind(mode)})") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotAFile(errno.EINVAL, f"not a regular file ({_kind(info.st_mode)})")
        if info.st_size > limit:
            raise ValueError(f"larger than {limit:,} bytes ({info.st_size:,})")
        chunks, size = [], 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise ValueError(f"larger than {limit:,} bytes")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
    ):
        if test(mode):
            return name
    return "not a file"


def _file_mode() -> int:
    """The mode a new file gets here (0o666 less the umask): tickets, post-mortems and
    freeze.json must be as readable to other accounts' agents and scripts as any ticket."""
    mask = os.umask(0o022)  # read at import, before any thread runs
    os.umask(mask)
    return 0o666 & ~mask


FILE_MODE = _file_mode()


def write_if_changed(path: Path, data: bytes) -> bool:
    """`write_atomic` unless the file holds exactly `data` already: a round that changed nothing
    in it renames and syncs nothing. Returns whether it wrote."""
    try:
        if read_file(path, len(data)) == data:
            return False
    except (OSError, ValueError):  # not there, not a file, larger: written as before
        pass
    write_atomic(path, data)
    return True


def write_atomic(path: Path, data: bytes, *, overwrite: bool = True) -> None:
    """Write a temp name beside `path` and rename it into place, so no reader sees half a file.

    With ``overwrite=False`` an existing file is never replaced (FileExistsError).
    """
    import tempfile  # loaded by the commands that write, not by every start

    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE)  # mkstemp makes 0600
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temp, path)
        else:
            os.link(temp, path)  # fails if the name exists
            os.unlink(temp)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
