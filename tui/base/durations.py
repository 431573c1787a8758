"""Durations as people write them in the config: "90s", "5m", "1h", "26h", "30d"."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
MAX_SECONDS = 10 * 366 * 86400  # no setting of the room needs more; far more overflows
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """Parse "90s"/"5m"/"1h"/"30d"; raise ValueError on anything else."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise ValueError(f"duration must be positive: {text!r}")
    if seconds > MAX_SECONDS:
        raise ValueError(f"duration over ten years: {text!r}")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """The one way the room writes a duration: 45s, 58m, 3h10m, 2d03h (negative: -5m)."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 60:
        return f"{sign}{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{sign}{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{sign}{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{sign}{days}d{hours:02d}h"


def ago(delta: timedelta) -> str:
    """An age in words around the one format: "3h10m ago", "in 5m" (created in the future)."""
    return (
        f"in {format_duration(-delta)}" if delta < timedelta(0) else f"{format_duration(delta)} ago"
    )
