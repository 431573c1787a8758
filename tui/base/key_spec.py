"""What a declared configuration key is: its table, name, type, default, what it does and an
example, as `tui.base.config_keys` lists them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

KINDS = {
    "str": "string",
    "text": "string",
    "int": "integer",
    "number": "number",
    "share": "number, above 0 and below 1",
    "bool": "boolean",
    "list[str]": "list of strings",
    "duration": 'duration ("90s", "5m", "1h", "30d")',
}


@dataclass(frozen=True)
class Key:
    table: str  # "room", "slo", …; "sites" and "notify" are arrays of tables
    name: str
    kind: str
    default: Any  # None: unset
    doc: str
    example: str  # the value as written in TOML

    @property
    def shown_default(self) -> str:
        if self.default is None:
            return "unset"
        if isinstance(self.default, timedelta):
            return f'"{toml_duration(self.default)}"'
        if isinstance(self.default, bool):
            return "true" if self.default else "false"
        if isinstance(self.default, tuple):
            return "[" + ", ".join(f'"{item}"' for item in self.default) + "]"
        if isinstance(self.default, str):
            return f'"{self.default}"'
        return str(self.default)


def toml_duration(delta: timedelta) -> str:
    """A duration as the config writes it: the largest unit that divides it ("26h", "30s")."""
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
