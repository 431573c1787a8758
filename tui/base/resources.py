"""Files that ship with the program: the sample state and the themes."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # tui/


def data_path(name: str) -> Path:
    """`sample_state` or `themes`: inside the installed package, or beside it in a checkout."""
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name
