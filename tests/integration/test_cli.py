"""The command line of SPEC section 4, run as a user runs it (a real process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import NOW, stamp, write_open_and_stale, write_raw, write_ticket

WHEN = "2026-11-24T10:00:00Z"


def run(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "SISYPHUS_STATE"}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=60,
    )


@pytest.fixture
def state(root: Path) -> Path:
    """A hand-made state with every case the bus must read right."""
    # A priority name and the dashed status spelling: both are read as the contract says.
    write_open_and_stale(
        root, priority="critical", subject="Stale question", status="needs-clarification"
    )
    write_ticket(
        root,
        "operator",
        "T-3",
        id="T-3",
        sender="architect",
        subject="Fresh question",
        deliverable="d",
        created=stamp(59),
        status="needs_clarification",
    )
    write_ticket(
        root,
        "operator",
        "T-4",
        id="T-4",
        sender="architect",
        subject="From the future",
        deliverable="d",
        created=stamp(-120),
        status="needs_clarification",
    )
    write_ticket(
        root,
        "architect",
        "R-1",
        id="R-1",
        sender="operator",
        subject="Answer",
        deliverable="d",
        created=stamp(10),
        status="done",
        in_reply_to="T-0",
    )
    write_ticket(
        root,
        "architect",
        "T-5",
        id="T-5",
        sender="pm-a",
        subject="Odd priority",
        priority="soon",
        created=stamp(200),
        status="needs_clarification",
    )
    write_raw(root, "architect", "broken.md", "no header here\n")
    write_raw(root, "architect", "bad-status.md", "---\nfrom: a\nstatus: wip\n---\n")
    write_raw(root, "architect", ".hidden.md", "---\nfrom: a\n---\n")
    write_raw(root, "architect", "T-9.md.tmp", "---\nfrom: a\n---\n")
    archive = root / "tickets" / "archive" / "2026-11" / "deep"
    archive.mkdir(parents=True)
    for n in range(7):
        (archive / f"A-{n}.md").write_text(
            "---\nfrom: a\nstatus: needs_clarification\ncreated: 2020-01-01T00:00:00Z\n---\n"
        )
    (root / "tickets" / "archive" / "A-top.md").write_text("not even a ticket")
    (root / "sisyphus.toml").write_text('[room]\nroles = ["architect", "operator", "pm-empty"]\n')
    return root


def snapshot(state: Path) -> dict[str, Any]:
    result = run("status", "--state", str(state), "--json", "--now", WHEN)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_status_json_reports_counts_stale_priorities_and_reasons(state: Path) -> None:
    data = snapshot(state)
    assert data["schema"] == 1 and data["generated_at"] == WHEN
    assert data["inboxes"]["operator"] == {"tickets": 4, "responses": 0, "stale": 1, "malformed": 0}
    assert data["inboxes"]["architect"] == {
        "tickets": 2,
        "responses": 1,
        "stale": 1,
        "malformed": 2,
    }
    assert data["inboxes"]["pm-empty"] == {"tickets": 0, "responses": 0, "stale": 0, "malformed": 0}
    assert data["archived"] == 8
    assert sorted(data["stale"]) == ["T-2", "T-5"]
    by_id = {t["id"]: t for t in data["tickets"]}
    assert (
        by_id["T-2"]["priority"] == "P0"
        and by_id["T-2"]["stale"] is True
        and by_id["T-2"]["age_s"] == 61 * 60
    )
    assert by_id["T-3"]["stale"] is False
    assert by_id["T-4"]["stale"] is False and "clock skew" in " ".join(by_id["T-4"]["warnings"])
    assert by_id["T-5"]["priority"] == "P2" and any("soon" in w for w in by_id["T-5"]["warnings"])
    assert by_id["R-1"]["in_reply_to"] == "T-0"
    assert by_id["T-1"]["path"] == "tickets/to_operator/T-1.md"
    assert by_id["T-1"]["created"] == stamp(30)
    reasons = {m["path"]: m["reason"] for m in data["malformed"]}
    assert reasons == {
        "tickets/to_architect/bad-status.md": "unknown status 'wip' (expected open, done, rejected, needs_clarification, blocked)",
        "tickets/to_architect/broken.md": "no front matter (the file must start with a '---' line)",
    }
    for key in ("probes", "slos", "incidents"):
        assert data[key] == []
    assert data["freeze"] is False


def test_check_names_each_stale_ticket_and_malformed_file(state: Path) -> None:
    result = run("check", "--state", str(state), "--now", WHEN)
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert any(
        line.startswith("stale clarification: T-2 ") and ", waiting 1h01m: " in line
        for line in lines
    )  # the one duration format, as on screen
    assert any(line.startswith("stale clarification: T-5 ") for line in lines)
    assert sum("malformed ticket:" in line for line in lines) == 2
    assert len(lines) == 4


def test_check_is_quiet_when_nothing_needs_a_person(root: Path) -> None:
    write_ticket(root, "operator", "T-1", sender="architect", deliverable="d", created=stamp(5))
    result = run("check", "--state", str(root), "--now", WHEN)
    assert result.returncode == 0, result.stdout
    assert "nothing needs a person" in result.stdout


def test_reading_commands_leave_no_room_folder_behind(state: Path) -> None:
    """`status` and `check` only read: a state folder without `.room/` (the bundled sample, a
    colleague's checkout) must not get one, while the snapshot still says it could be written."""
    assert json.loads(run("status", "--state", str(state), "--json").stdout)["read_only"] is False
    run("status", "--state", str(state))
    run("check", "--state", str(state))
    assert not (state / ".room").exists()
    (state / ".room").write_text("not a folder")  # there, but nothing can be written in it
    assert json.loads(run("status", "--state", str(state), "--json").stdout)["read_only"] is True


def test_status_text_is_sanitized(root: Path) -> None:
    write_raw(
        root,
        "operator",
        "evil.md",
        '---\nfrom: a\nsubject: "\\e]0;owned\\a"\nstatus: needs_clarification\n'
        f"created: {stamp(300)}\n---\n",
    )
    result = run("status", "--state", str(root), "--now", WHEN)
    assert result.returncode == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "␛]0;owned␇" in result.stdout


def test_state_from_env_and_from_current_folder(state: Path, tmp_path: Path) -> None:
    by_env = run(
        "status", "--json", "--now", WHEN, env={"SISYPHUS_STATE": str(state)}, cwd=tmp_path
    )
    assert by_env.returncode == 0 and json.loads(by_env.stdout)["archived"] == 8
    by_cwd = run("status", "--json", "--now", WHEN, cwd=state)
    assert by_cwd.returncode == 0 and json.loads(by_cwd.stdout)["archived"] == 8


def test_no_state_names_state_and_demo(tmp_path: Path) -> None:
    result = run("status", cwd=tmp_path)
    assert result.returncode == 2
    assert "--state" in result.stderr and "--demo" in result.stderr
    assert "Traceback" not in result.stderr
    missing = run("status", "--state", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such folder" in missing.stderr
    no_tickets = run("check", "--state", str(tmp_path))
    assert no_tickets.returncode == 2 and "no tickets/ folder" in no_tickets.stderr


def test_config_error_exits_2_with_file_and_key(state: Path) -> None:
    (state / "sisyphus.toml").write_text('[slo]\nwindow = "a month"\n')
    result = run("status", "--state", str(state))
    assert result.returncode == 2
    assert (
        "sisyphus.toml" in result.stderr
        and "'slo.window'" in result.stderr
        and "duration" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_usage_errors_version_and_help() -> None:
    assert run("--version").stdout.startswith("sisyphus-room ")
    help_text = run("--help").stdout
    for word in ("--state", "--demo", "--read-only", "--theme", "status", "check"):
        assert word in help_text
    bad = run("status", "--nope")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert run("status", "--now", "noon", "--state", ".").returncode == 2


def test_unexpected_error_is_one_line_with_a_report(
    monkeypatch: pytest.MonkeyPatch, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import tui.overview
    from tui.cli import main

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tui.overview, "collect", explode)
    assert main(["status", "--state", str(state)]) == 70
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "disk on fire" in err and "full report is in" in err
    report = Path(err.rsplit("full report is in ", 1)[1])
    assert "Traceback" in report.read_text()


def test_empty_state_and_archive_only(root: Path) -> None:
    data = snapshot(root)
    assert data["inboxes"] == {} and data["tickets"] == [] and data["archived"] == 0
    assert NOW.year == 2026
