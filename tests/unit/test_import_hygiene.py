"""The core never imports Textual: every tui module but the app, imported in a fresh process."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import tui

TOP = Path(__file__).resolve().parents[2]

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


def test_status_loads_no_event_loop_tls_http_or_dns() -> None:
    """Agents call `status --json` in loops: it reads what was recorded, and the probes'
    libraries (asyncio, ssl, h11, httpx, dnspython) load only when a round runs."""
    code = (
        "import sys, io, contextlib\n"
        "from tui.cli import main\n"
        "sys.argv = ['sisyphus-room', 'status', '--json', '--state', 'sample_state']\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main()\n    except SystemExit:\n        pass\n"
        "heavy = ('asyncio', 'ssl', 'h11', 'httpx', 'dns', 'textual')\n"
        "print(','.join(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=TOP
    )
    assert result.stdout.strip() == "", f"status imported: {result.stdout}"
