"""Demo mode: a live copy of the bundled sample state, with times made current."""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui.clock import iso, parse_iso
from tui.resources import data_path

# The moment the sample's times are written against (scripts/make_sample_state.py).
SAMPLE_NOW = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)

_CREATED = re.compile(r"^created: (\S+)$", re.MULTILINE)


@dataclass
class Demo:
    root: Path
    shift: timedelta
    cleanup: tempfile.TemporaryDirectory[str] | None = None


def shift_times(root: Path, shift: timedelta) -> None:
    """Move every ticket's `created` by `shift`, and file times with it."""
    for path in (root / "tickets").rglob("*.md"):
        text = path.read_text(encoding="utf-8", errors="surrogateescape")

        def moved(match: re.Match[str]) -> str:
            try:
                return f"created: {iso(parse_iso(match.group(1)) + shift)}"
            except ValueError:
                return match.group(0)

        path.write_text(_CREATED.sub(moved, text), encoding="utf-8", errors="surrogateescape")


def prepare_demo(now: datetime | None = None, target: Path | None = None) -> Demo:
    """Copy sample_state/ to a temp folder (or `target`) and bring its times to `now`."""
    now = now or datetime.now(UTC)
    cleanup = None
    if target is None:
        cleanup = tempfile.TemporaryDirectory(prefix="sisyphus-demo-")
        target = Path(cleanup.name) / "state"
    shutil.copytree(data_path("sample_state"), target)
    shift = now - SAMPLE_NOW
    shift_times(target, shift)
    return Demo(root=target, shift=shift, cleanup=cleanup)
