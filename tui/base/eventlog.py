"""The watcher's log: one line per event, as text or as JSON, safe to print whatever it says."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO

from tui.base.clock import iso
from tui.base.sanitize import clean


class Log:
    """One line per event: `at event key=value …`, or a JSON object with `--log-format json`."""

    def __init__(self, stream: TextIO, fmt: str, clock: Callable[[], datetime]) -> None:
        self.stream, self.fmt, self.clock = stream, fmt, clock
        self._lock = threading.Lock()

    def __call__(self, event: str, fields: dict[str, Any] | None = None) -> None:
        fields = {
            k: v for k, v in (fields or {}).items() if v is not None and k not in ("at", "event")
        }
        at = iso(self.clock())
        if self.fmt == "json":
            line = json.dumps({"at": at, "event": event, **fields}, ensure_ascii=False)
        else:
            parts = [f"{at} {event}"]
            for key, value in fields.items():
                text = clean(str(value))
                parts.append(f"{key}={json.dumps(text) if ' ' in text or not text else text}")
            line = " ".join(parts)
        with self._lock, contextlib.suppress(OSError, ValueError):
            self.stream.write(line + "\n")
            self.stream.flush()
