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


def test_commands_load_yaml_tinydb_and_asyncio_only_when_they_need_them(tmp_path: Path) -> None:
    """`status` on plain headers loads no YAML and, without acks, no TinyDB; `archive` (a
    writing command) loads no event loop. The sample's nested headers do load YAML."""
    root = tmp_path / "state"
    (root / "tickets" / "to_operator").mkdir(parents=True)
    (root / "tickets" / "archive").mkdir()
    for n in range(3):
        (root / "tickets" / "to_operator" / f"T-{n}.md").write_text(
            f'---\nid: T-{n}\nfrom: architect\nsubject: "Quoted: still the fast path"\n'
            f"deliverable: it answers 200\ncreated: 2026-11-24T09:30:00Z\n---\nBody.\n"
        )

    def loaded(*argv: str) -> set[str]:
        code = (
            "import sys, io, contextlib\n"
            "from tui.cli import main\n"
            f"sys.argv = ['sisyphus-room', *{list(argv)!r}]\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        main()\n    except SystemExit:\n        pass\n"
            "print(','.join(m for m in ('yaml', 'tinydb', 'asyncio') if m in sys.modules))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=TOP
        )
        return set(filter(None, done.stdout.strip().split(",")))

    assert loaded("status", "--json", "--state", str(root)) == set()
    assert "yaml" in loaded("status", "--json", "--state", "sample_state")
    assert "asyncio" not in loaded("archive", "T-0", "--json", "--state", str(root))
    assert not (root / "tickets" / "to_operator" / "T-0.md").exists()  # it did archive
