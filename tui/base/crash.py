"""An unexpected error becomes one line for the person and a full report in a file.

Only unexpected errors: a channel that refuses, a name that does not resolve or a server that
hangs is an expected failure, worded by `describe` and never written to a file.

A report is created safely: in a folder of the user's own (`sisyphus-room-<uid>` in the temp
folder, mode 0700, refused when it is a link or someone else's), at a fresh random name opened
with O_EXCL|O_NOFOLLOW (a planted file or link makes it pick another), and at most `KEEP` reports
are kept (the oldest go).
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from pathlib import Path

from tui.base.sanitize import clean

KEEP = 20  # reports kept in the folder; older ones are removed
PREFIX = "sisyphus-room-crash-"


def report_folder() -> Path | None:
    """The user's own report folder, made if needed; None when it is not safely ours."""
    import tempfile  # a crash is rare: nothing of it is loaded at every start

    folder = Path(tempfile.gettempdir()) / f"sisyphus-room-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        os.mkdir(folder, 0o700)
    try:
        info = os.lstat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return None  # a link or a file planted at the name, or another user's folder
    if info.st_mode & 0o077:
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o700)
    return folder


def _prune(folder: Path) -> None:
    reports = []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(PREFIX) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    reports.append((entry.stat(follow_symlinks=False).st_mtime, entry.path))
    reports.sort()
    for _, path in reports[:-KEEP] if len(reports) > KEEP else []:
        with contextlib.suppress(OSError):
            os.unlink(path)


def write_report(exc: BaseException) -> Path | None:
    """Write the traceback to a fresh file; return its path (None if impossible)."""
    folder = report_folder()
    if folder is None:
        return None
    import tempfile
    import traceback

    text = "".join(traceback.format_exception(exc))
    try:
        fd, name = tempfile.mkstemp(
            prefix=f"{PREFIX}{time.strftime('%Y%m%d-%H%M%S')}-", suffix=".txt", dir=folder
        )
    except OSError:
        return None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError:
        return None
    _prune(folder)
    return Path(name)


def describe(exc: BaseException, limit: int = 300) -> str:
    """An expected failure in one clean line: its type and message, and no report file."""
    said = clean(str(exc)).strip()
    return (f"{type(exc).__name__}: {said}" if said else type(exc).__name__)[:limit]


def one_line(exc: BaseException) -> str:
    report = write_report(exc)
    where = f"; the full report is in {report}" if report else ""
    return f"sisyphus-room: unexpected error: {type(exc).__name__}: {clean(str(exc))}{where}"
