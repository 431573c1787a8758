"""The docs agree with the program: version, log events, schemas, the README's length."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from tests import schemas
from tests.helpers import run_cli
from tui import __version__

TOP = Path(__file__).resolve().parents[2]


def test_the_changelog_names_the_version_the_program_prints() -> None:
    released = re.findall(r"^## \[(\d+\.\d+\.\d+)\]", (TOP / "CHANGELOG.md").read_text(), re.M)
    assert released and released[0] == __version__
    assert run_cli(None, "--version").stdout.strip() == f"sisyphus-room {__version__}"


def _texts(node: ast.expr) -> set[str]:
    """The event names an expression can be: "a", "a" if x else "b", "a" + (", b" if …)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _texts(node.body) | _texts(node.orelse)
    if isinstance(node, ast.BinOp):
        return {a + b for a in _texts(node.left) for b in _texts(node.right)}
    func = node.func if isinstance(node, ast.Call) else None
    if isinstance(func, ast.Attribute) and func.attr == "get" and isinstance(func.value, ast.Dict):
        found = set().union(*(_texts(v) for v in func.value.values if v is not None))
        return found.union(*(_texts(arg) for arg in node.args[1:]))  # {…}.get(key, default)
    return set()


def logged_events() -> set[str]:
    """Every event name the program logs: the first argument of each log(...) call in tui/,
    what the variable `event` handed to it was set to, and each watchkeeper event's `log` (a
    class attribute, or what its `log` property returns)."""
    events = set()
    for path in (TOP / "tui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "log":
                events |= _texts(node.value) if node.value else set()
            if isinstance(node, ast.FunctionDef) and node.name == "log":
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Return) and inner.value is not None:
                        events |= _texts(inner.value)
            if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [
                "event"
            ]:
                events |= _texts(node.value)
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            if (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")) == "log":
                events |= _texts(node.args[0])
    return events


def test_every_log_event_is_on_the_log_events_page() -> None:
    page = (TOP / "docs" / "reference" / "logs.md").read_text()
    events = logged_events()
    assert {"watcher started", "probe down", "resolved by hand", "silenced"} <= events
    assert {"stale raised", "incident fired again", "freeze off", "round"} <= events
    assert {"notification failed, will retry", "notification failed, given up"} <= events
    missing = sorted(event for event in events if f"`{event}`" not in page)
    assert not missing, f"log events not in docs/reference/logs.md: {missing}"


def test_the_schemas_are_valid_and_can_refuse(tmp_path: Path) -> None:
    data = json.loads(run_cli(TOP / "sample_state", "status", "--json").stdout)
    schemas.validate("status", data)  # (conftest checked it already; here it is the point)
    assert data["schema"] == 1 and data["schema_version"].startswith("1.")
    for broken in (
        {k: v for k, v in data.items() if k != "tickets"},
        data | {"generated_at": "yesterday"},
        data | {"incidents": [{"id": "INC-1", "state": "burning"}]},
    ):
        with pytest.raises(AssertionError, match=r"status\.schema\.json"):
            schemas.validate("status", broken)
    with pytest.raises(AssertionError, match=r"log-line\.schema\.json"):
        schemas.log_line('{"at": "2026-12-03T10:00:00Z", "event": "round", "checks": null}')


def test_the_readme_is_a_first_read() -> None:
    assert len((TOP / "README.md").read_text().splitlines()) <= 200
