"""The core never imports Textual: every tui module but the app, imported in a fresh process."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import tui

APP_MODULES = {"tui.app"}


def test_core_does_not_import_textual() -> None:
    modules = [
        info.name
        for info in pkgutil.walk_packages(tui.__path__, "tui.")
        if info.name not in APP_MODULES
    ]
    modules = [name for name in modules if name != "tui.__main__"]
    assert len(modules) > 8
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in modules)
        + (
            "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
            "print(','.join(bad))\n"
        )
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"core imported Textual: {result.stdout}"
