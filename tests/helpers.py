"""Build real state folders on disk for tests."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests import schemas
from tui.ops.incident_record import Incident

NOW = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)


def stamp(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_ticket(
    root: Path, role: str, name: str, *, body: str = "Body.\n", **header: object
) -> Path:
    """Write `tickets/to_<role>/<name>.md` with a YAML header built from keyword arguments."""
    folder = root / "tickets" / f"to_{role}"
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["---"]
    for key, value in header.items():
        key = "from" if key == "sender" else key
        lines.append(f"{key}: {value}")
    lines.append("---")
    path = folder / f"{name}.md"
    path.write_text("\n".join(lines) + "\n" + body, encoding="utf-8")
    return path


def write_raw(root: Path, role: str, name: str, data: bytes | str) -> Path:
    folder = root / "tickets" / f"to_{role}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def write_open_and_stale(
    root: Path,
    *,
    priority: str,
    subject: str,
    status: str = "needs_clarification",
    body: str = "Body.\n",
) -> None:
    """The two tickets every driven state starts with: T-1, open work (P1, 30 minutes old), and
    T-2, a clarification waiting 61 minutes (stale), both in the operator's inbox."""
    write_ticket(
        root,
        "operator",
        "T-1",
        id="T-1",
        sender="architect",
        priority="P1",
        subject="Open work",
        deliverable="d",
        created=stamp(30),
    )
    write_ticket(
        root,
        "operator",
        "T-2",
        id="T-2",
        sender="architect",
        priority=priority,
        subject=subject,
        deliverable="d",
        created=stamp(61),
        status=status,
        body=body,
    )


def write_config(
    root: Path,
    *,
    sites: dict[str, str | dict[str, Any]] | None = None,
    notify: list[dict[str, Any]] | None = None,
    maintenance: list[dict[str, Any]] | None = None,
    **tables: dict[str, Any],
) -> Path:
    """`sisyphus.toml` from Python values: `sites={"shop": url}` (or a dict of a site's keys),
    `room={"probe_interval": "5m"}`, `notify=[{"name": …, "kind": …}]`. What a test means to be
    broken is still written by hand, as text."""
    import tomli_w

    data: dict[str, Any] = dict(tables)
    if sites is not None:
        data["sites"] = [
            {"name": name, **({"url": site} if isinstance(site, str) else site)}
            for name, site in sites.items()
        ]
    for key, value in (("notify", notify), ("maintenance", maintenance)):
        if value is not None:
            data[key] = value
    path = root / "sisyphus.toml"
    path.write_text(tomli_w.dumps(data))
    return path


def write_intent(root: Path, name: str, **header: str) -> Path:
    """A hat-switch intent file under `intents/` (SPEC section 7), its header as given."""
    path = root / "intents" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["---", *(f"{k}: {v}" for k, v in header.items()), "---", "What and how to undo it."]
    path.write_text("\n".join(lines) + "\n")
    return path


def make_root(tmp: Path) -> Path:
    root = tmp / "state"
    (root / "tickets" / "archive").mkdir(parents=True)
    return root


def run_cli(
    root: Path | None, *args: str, stdin: str | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    """`sisyphus-room ARGS --state ROOT`, no $SISYPHUS_STATE leaking in.

    The one-shot commands run in this process, through the same `main` the installed command
    calls (a new interpreter for each costs ~0.2 s of CPU, and the suite runs hundreds of them
    on two cores); `watch` and the room run as real processes. What needs a process of its own
    (exit codes and messages as a shell sees them, environment and folder, races between
    writers, a blocked read) is tested with real processes in test_cli.py and
    test_writing_attacks.py. The JSON printed is checked against docs/schema/ either way."""
    state = ["--state", str(root)] if root is not None else []
    argv = [*args, *state]
    if args and args[0] == "watch":
        env = {k: v for k, v in os.environ.items() if k != "SISYPHUS_STATE"}
        return subprocess.run(
            [sys.executable, "-m", "tui", *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            input=stdin,
        )
    done = _in_process(argv, stdin)
    schemas.checked(["-m", "tui", *argv], done.stdout)
    return done


def _in_process(argv: list[str], stdin: str | None) -> subprocess.CompletedProcess[str]:
    import contextlib
    import gc
    import io

    from tui.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved_env = os.environ.pop("SISYPHUS_STATE", None)
    saved_stdin, collecting = sys.stdin, gc.isenabled()
    sys.stdin = io.TextIOWrapper(io.BytesIO((stdin or "").encode()), encoding="utf-8")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse: --help, --version, a usage error
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        sys.stdin = saved_stdin
        if saved_env is not None:
            os.environ["SISYPHUS_STATE"] = saved_env
        if collecting:
            gc.enable()  # `status` turns the collector off for its one-shot process
    return subprocess.CompletedProcess(
        ["sisyphus-room", *argv], code, out.getvalue(), err.getvalue()
    )


def acknowledged_burn(site: str = "shop", opened: str = "2026-11-24T08:00:00Z") -> Incident:
    """An acknowledged burn-rate incident of `site` at tier 2, as an earlier episode left it."""
    return Incident(
        "INC-burn",
        site,
        "burn:availability",
        "availability",
        "acknowledged",
        opened,
        opened,
        "burning",
        tier=2,
    )


@functools.cache
def _tls() -> Any:
    import httpx

    return httpx.create_ssl_context()


def http_get(url: str, **kwargs: Any) -> Any:
    """`httpx.get`, with one TLS context for the whole run: each call would load the CA
    certificates again (~27 ms of CPU)."""
    import httpx

    return httpx.get(url, verify=_tls(), **kwargs)
