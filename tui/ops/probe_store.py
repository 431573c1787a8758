"""The last probe results and a short history per check, in `.room/probes.json`.

Bounded: the latest result and the last HISTORY results of each (site, check). One writer (the
room holding `.room/lock`, or `status --probe` when no room does); everyone else reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui.base.clock import parse_iso
from tui.base.storage import open_db
from tui.ops.history import key_of
from tui.ops.probes import ProbeResult

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
        self._docs = {doc["key"]: dict(doc) for doc in self.db.all() if "key" in doc}

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
        found = []
        for doc in self._docs.values():
            data = doc.get("latest")
            if not isinstance(data, dict):
                continue
            try:
                found.append(
                    ProbeResult(
                        data["site"],
                        data["check"],
                        bool(data["ok"]),
                        data.get("latency_ms"),
                        str(data["detail"]),
                        parse_iso(data["at"]),
                        data.get("extra") or {},
                    )
                )
            except (KeyError, TypeError, ValueError):
                continue
        return found

    def history(self, site: str | None, check: str) -> list[tuple[str, bool, float | None]]:
        doc = self._docs.get(key_of(site, check))
        return [(str(a), bool(b), c) for a, b, c in doc["history"]] if doc else []
