"""The JSON Schemas of docs/schema/, checked against what the program prints in the tests.

`checked(argv, stdout)` validates the output of a `sisyphus-room` run: `status --json` against
status.schema.json, a writing command's `--json` line against action.schema.json, and
`log_line()` one line of `watch --log-format json`. conftest.py passes every run of the program
made through `subprocess.run` in the suite through it, so every `status --json` the tests produce
is validated, not a chosen few.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from tui.cli import WRITING

SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "schema"


@cache
def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate(name: str, data: Any) -> None:
    errors = sorted(validator(name).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(top)"
        raise AssertionError(f"{name}.schema.json: at {where}: {errors[0].message}")


def command_of(argv: list[str]) -> str | None:
    """The subcommand of `python -m tui ARGS` (None: not the program, or the room itself)."""
    try:
        start = argv.index("tui") + 1
    except ValueError:
        return None
    if start < 2 or argv[start - 2] != "-m":
        return None
    words = [a for a in argv[start:] if not a.startswith("-")]
    return words[0] if words else None


def checked(argv: list[str], stdout: str) -> None:
    if "--json" not in argv or not stdout.strip():
        return
    command = command_of(argv)
    if command == "status":
        validate("status", json.loads(stdout))
    elif command in WRITING:
        for line in stdout.splitlines():
            validate("action", json.loads(line))


def log_line(line: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(line)
    validate("log-line", data)
    return data
