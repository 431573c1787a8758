"""An unexpected error becomes one line for the person and a full report in a file."""

from __future__ import annotations

import tempfile
import time
import traceback
from pathlib import Path

from tui.base.sanitize import clean


def write_report(exc: BaseException) -> Path | None:
    """Write the traceback to a file in the temp folder; return its path (None if impossible)."""
    text = "".join(traceback.format_exception(exc))
    name = f"sisyphus-room-crash-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    path = Path(tempfile.gettempdir()) / name
    try:
        path.write_text(text, encoding="utf-8")
    except OSError:
        return None
    return path


def one_line(exc: BaseException) -> str:
    report = write_report(exc)
    where = f"; the full report is in {report}" if report else ""
    return f"sisyphus-room: unexpected error: {type(exc).__name__}: {clean(str(exc))}{where}"
