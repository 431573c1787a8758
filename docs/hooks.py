"""mkdocs hook: the reference pages' generated parts, built from the code at every build.

A page says `<!-- reference: NAME -->` where a generated part goes: `config` (every
sisyphus.toml key, from tui/base/config_keys.py), `keys` (every view's keys, from the bindings and
their help lines), `commands` (each command's --help, from the argument parser). A key or a
binding without its line fails the build (`mkdocs build --strict` runs in `make test`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

MARK = re.compile(r"<!-- reference: ([a-z]+) -->")
SNAPSHOTS = Path(__file__).resolve().parent.parent / "tests" / "app" / "__snapshots__"
# The pictures of the docs are the snapshot tests' own SVGs: what the tests approved, never a copy.
PICTURES = {"assets/room.svg": "test_snapshots/test_main_screen[160x48].svg"}


def commands_markdown() -> str:
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal: the page must not vary
    from tui.cli import build_parser

    parser = build_parser()
    parts = ["## sisyphus-room", "", "```text", parser.format_help().rstrip(), "```", ""]
    for name, sub in parser.commands.items():
        parts += [f"## sisyphus-room {name}", "", "```text", sub.format_help().rstrip(), "```", ""]
    return "\n".join(parts)


def generated(name: str) -> str:
    if name == "config":
        from tui.base.config_keys import reference_markdown

        return reference_markdown()
    if name == "keys":
        from tui.app import RoomApp
        from widgets.screens.catalog import keys_markdown

        return keys_markdown(RoomApp.BINDINGS)
    if name == "commands":
        return commands_markdown()
    raise KeyError(f"no generated reference named {name!r}")


def on_page_markdown(markdown: str, **_: Any) -> str:
    return MARK.sub(lambda match: generated(match.group(1)), markdown)


def on_files(files: Files, config: Any, **_: Any) -> Files:
    for uri, snapshot in PICTURES.items():
        files.append(File.generated(config, uri, abs_src_path=str(SNAPSHOTS / snapshot)))
    return files
