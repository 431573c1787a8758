"""The last probe results and a short history per check, in `.room/probes.json`.

Bounded: the latest result and the last HISTORY results of each (site, check). One writer (the
room holding `.room/lock`, or `status --probe` when no room does); everyone else reads.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from tui.base.clock import parse_iso
from tui.base.storage import open_db
from tui.ops.checks import CHECKS, Cause, ProbeResult, cause_of
from tui.ops.history import key_of

HISTORY = 60


class ProbeStore:
    def __init__(self, folder: Path, *, read_only: bool) -> None:
        self.notes: list[str] = []
        self.db = open_db(folder / "probes.json", read_only=read_only, notes=self.notes)
        self._docs: dict[str, dict[str, Any]] = {}
        self.reload()

    def reload(self) -> None:
        """Read the file again (a reading room follows the writer this way)."""
        self.db.storage.reload()  # type: ignore[attr-defined]
        self.db.clear_cache()
        self._docs = {}
        for doc in self.db.all():
            history = doc.get("history")
            if not isinstance(doc.get("key"), str) or not isinstance(history, list):
                continue  # a damaged entry: the next round writes it again
            doc = dict(doc)
            doc["history"] = [
                entry
                for entry in history
                if isinstance(entry, list)
                and len(entry) == 3
                and isinstance(entry[0], str)
                and isinstance(entry[1], bool)
                and (entry[2] is None or isinstance(entry[2], int | float))
            ]
            self._docs[doc["key"]] = doc

    def record(self, results: list[ProbeResult], *, write: bool = True) -> None:
        """Add results; with `write` the file is written at once (a single whole-file write)."""
        for result in results:
            key = key_of(result.site, result.check)
            doc = self._docs.setdefault(key, {"key": key, "history": []})
            data = doc["latest"] = result.to_json()
            history = doc["history"]
            history.append([data["at"], result.ok, data["latency_ms"]])
            del history[:-HISTORY]
        if write:
            self.flush()

    def flush(self) -> None:
        """Write what was recorded: one whole-file atomic write."""
        table = {str(index + 1): doc for index, doc in enumerate(self._docs.values())}
        self.db.storage.write({"_default": table})
        self.db.clear_cache()

    def latest(self) -> list[ProbeResult]:
        found = (_result(doc.get("latest")) for doc in self._docs.values())
        return [result for result in found if result is not None]

    def history(self, site: str | None, check: str) -> list[tuple[str, bool, float | None]]:
        doc = self._docs.get(key_of(site, check))
        return [(str(a), bool(b), c) for a, b, c in doc["history"]] if doc else []


def _result(data: Any) -> ProbeResult | None:
    """A stored result read back, or None when it does not fit (a damaged file)."""
    if not isinstance(data, dict):
        return None
    site, check, latency, extra = (
        data.get("site"),
        data.get("check"),
        data.get("latency_ms"),
        data.get("extra") or {},
    )
    if not (
        (site is None or isinstance(site, str))
        and check in CHECKS
        and isinstance(data.get("ok"), bool)
        and (latency is None or (isinstance(latency, int | float) and math.isfinite(latency)))
        and isinstance(data.get("detail"), str)
        and isinstance(data.get("at"), str)
        and isinstance(extra, dict)
    ):
        return None
    try:
        at = parse_iso(data["at"])
    except (ValueError, OverflowError):
        return None
    try:
        cause = Cause(data["cause"]) if "cause" in data else None
    except ValueError:
        return None
    cause = cause or cause_of(check, data["ok"], data["detail"])  # recorded before causes were
    return ProbeResult(site, check, data["ok"], latency, data["detail"], at, extra, cause)
