"""The writing commands under attack, as real processes: twenty at once on one ticket, an agent
renaming what is being archived, links out of the state folder, bad bytes, --read-only. A ticket is
in exactly one place, every response answers one ticket once, every write is audited, and nothing
is written outside the state root."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import make_root, run_cli, stamp, write_ticket
from tui.bus.tickets import MAX_SIZE

cli = run_cli
COMMAND = [sys.executable, "-m", "tui"]


class Ran:
    """What an in-process run of the command line said (as `run_cli`'s result reads)."""

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run(root: Path, *args: str) -> Ran:
    """The command line in this process: the same code as the program, without its start-up
    (the races and the bytes that argv carries are run as real processes above and below)."""
    import contextlib
    import io

    from tui.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([*args, "--state", str(root)])
        except SystemExit as exc:
            code = int(exc.code or 0)
    return Ran(code, out.getvalue(), err.getvalue())


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "SISYPHUS_STATE"}


def question(root: Path, name: str = "Q-1", role: str = "operator") -> Path:
    return write_ticket(
        root,
        role,
        name,
        id=name,
        sender="architect",
        subject="Which registrar?",
        created=stamp(90),
        status="needs_clarification",
        deliverable="a name",
    )


def files(root: Path) -> dict[str, bytes]:
    """Every regular file under `root` (links not followed), by relative path."""
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found[str(path.relative_to(root))] = path.read_bytes()
    return found


def actions(root: Path) -> list[dict[str, object]]:
    log = root / ".room" / "actions.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def start(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*COMMAND, *args, "--state", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )


@pytest.mark.parametrize("trial", range(3))
def test_twenty_replies_at_once_write_one_response(tmp_path: Path, trial: int) -> None:
    root = make_root(tmp_path)
    question(root)
    processes = [
        start(root, "reply", "Q-1", "--status", "done", "--body", f"answer {n}", "--json")
        for n in range(20)
    ]
    results = [(p.wait(60), p.stdout.read() if p.stdout else "") for p in processes]
    won = [json.loads(out) for code, out in results if code == 0]
    lost = [json.loads(out) for code, out in results if code != 0]
    assert len(won) == 1, results
    assert {code for code, _ in results} == {0, 1}
    assert all(
        "moved meanwhile" in answer["message"] or "already in the archive" in answer["message"]
        for answer in lost
    )
    responses = list((root / "tickets" / "to_architect").glob("*.md"))
    assert [str(p.relative_to(root)) for p in responses] == [won[0]["path"]]
    assert list((root / "tickets").rglob("Q-1.md")) == [root / won[0]["archived"]]
    assert [a["path"] for a in actions(root)] == [won[0]["path"]]  # the one write, audited


def test_archive_racing_an_agents_rename_leaves_each_ticket_in_one_place(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    names = [f"T-{n}" for n in range(20)]
    for name in names:
        question(root, name)
    elsewhere = root / "tickets" / "to_pm-shop"
    elsewhere.mkdir()
    go = threading.Event()

    def agent() -> None:  # moves every ticket to another inbox while the owner archives them
        go.wait()
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                os.rename(root / "tickets" / "to_operator" / f"{name}.md", elsewhere / f"{name}.md")

    thread = threading.Thread(target=agent)
    thread.start()
    processes = [start(root, "archive", name, "--json") for name in names]
    go.set()
    codes = [p.wait(60) for p in processes]
    thread.join()
    for name, code in zip(names, codes, strict=True):
        places = list((root / "tickets").rglob(f"{name}.md"))
        assert len(places) == 1, (name, places)
        # Archived (exit 0), or left where the agent put it (the move lost the race: exit 2).
        # The folder is read below the state root: the test's own folder name says "archive".
        assert (places[0].relative_to(root).parts[1] == "archive") == (code == 0), (name, code)
    archived = [p for a in actions(root) for p in a["paths"]]  # type: ignore[attr-defined]
    assert len(archived) == codes.count(0)


def test_a_reply_cut_short_says_what_it_wrote_and_a_retry_finishes_it(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    question(root)
    month = root / "tickets" / "archive" / f"{datetime.now(UTC):%Y-%m}"
    month.parent.mkdir(parents=True, exist_ok=True)
    month.write_text("a file where the month's folder goes\n")  # the archive move is refused
    first = cli(root, "reply", "Q-1", "--status", "done", "--body", "Gandi.", "--json")
    assert first.returncode == 1
    said = json.loads(first.stdout)
    assert said["path"].startswith("tickets/to_architect/O-") and "is written" in said["message"]
    assert actions(root)[-1]["half_done"] is True and actions(root)[-1]["path"] == said["path"]
    month.unlink()
    again = cli(root, "reply", "Q-1", "--status", "done", "--body", "Gandi.", "--json")
    assert again.returncode == 0, again.stdout
    answer = json.loads(again.stdout)
    assert answer["path"] == said["path"] and "written before is kept" in answer["message"]
    assert len(list((root / "tickets" / "to_architect").glob("*.md"))) == 1
    assert (root / answer["archived"]).exists()


@pytest.mark.parametrize(
    "args",
    [
        ("reply", "Q-1", "--status", "done", "--body", "x"),
        ("archive", "Q-1"),
        ("file", "--to", "operator", "--subject", "s"),
        ("ack", "Q-1"),
        ("resolve", "INC-1", "--note", "fixed"),
    ],
)
@pytest.mark.parametrize("where", ["before", "after"])
def test_read_only_writes_nothing(tmp_path: Path, args: tuple[str, ...], where: str) -> None:
    root = make_root(tmp_path)
    question(root)
    before = files(root)
    given = ("--read-only", *args) if where == "before" else (*args, "--read-only")
    result = run(root, *given)
    assert result.returncode == 1 and "--read-only" in result.stdout
    assert files(root) == before


@pytest.mark.parametrize("link", ["inbox", "archive", "room"])
def test_nothing_is_written_through_a_link_out_of_the_state(tmp_path: Path, link: str) -> None:
    root = make_root(tmp_path / "state")
    question(root)
    outside = tmp_path / "outside"
    outside.mkdir()
    if link == "inbox":
        (root / "tickets" / "to_architect").symlink_to(outside)
    elif link == "archive":
        archive = root / "tickets" / "archive"
        archive.mkdir(parents=True, exist_ok=True)
        (archive / f"{datetime.now(UTC):%Y-%m}").symlink_to(outside)
    else:
        (root / ".room").symlink_to(outside)
    for args in (
        ("reply", "Q-1", "--status", "done", "--body", "x"),
        ("file", "--to", "architect", "--subject", "s"),
        ("archive", "Q-1"),
        ("ack", "Q-1"),
    ):
        result = run(root, *args)
        assert result.returncode in (0, 1, 2), result.stderr
        assert "unexpected error" not in result.stderr
    assert list(outside.iterdir()) == []
    assert len(list((root / "tickets").rglob("Q-1.md"))) == 1


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("file", "--to", "operator", "--subject", "two\nlines"), "one line"),
        (("file", "--to", "operator", "--subject", "s", "--from", "../../etc"), "--from"),
        (("reply", "Q-1", "--status", "done", "--from", "Owner"), "--from"),
        (("file", "--to", "ops\n", "--subject", "s"), "--to"),
        (("file", "--to", "operator", "--subject", "s", "--verify", "http://x/a b"), "--verify"),
        (
            ("file", "--to", "operator", "--subject", "s", "--verify", "http://x/\x1b]0;"),
            "--verify",
        ),
        (("resolve", "INC-1", "--note", ""), "empty note"),
        (("resolve", "INC-1", "--note", "n" * 100_000), "at most 2,000"),
    ],
)
def test_bad_input_is_exit_2_and_writes_nothing(
    tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    root = make_root(tmp_path)
    question(root)
    before = files(root)
    result = run(root, *args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert said in result.stdout and "unexpected" not in result.stderr
    assert files(root) == before
    as_json = run(root, *args, "--json")
    assert as_json.returncode == 2 and json.loads(as_json.stdout)["ok"] is False


def test_bytes_that_are_not_utf8_and_a_bottomless_stdin_are_refused(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    question(root)
    before = files(root)
    subject = subprocess.run(
        [*COMMAND, "file", "--to", "operator", "--subject", b"caf\xe9", "--state", str(root)],
        capture_output=True,
        env=env(),
        timeout=30,
    )
    assert subject.returncode == 2 and b"not UTF-8" in subject.stdout
    nul = tmp_path / "nul.md"
    nul.write_bytes(b"a\x00b\n")  # argv cannot carry a NUL; a file can
    for args in (
        ("file", "--to", "operator", "--subject", "s"),
        ("reply", "Q-1", "--status", "done"),
    ):
        refused = cli(root, *args, "--body-file", str(nul))
        assert refused.returncode == 2 and "NUL" in refused.stdout
    bad_body = tmp_path / "body.md"
    bad_body.write_bytes(b"caf\xe9\n")
    named = cli(root, "file", "--to", "operator", "--subject", "s", "--body-file", str(bad_body))
    assert named.returncode == 2 and "not UTF-8" in named.stdout
    escaped = tmp_path / "a\x1b[31mb.md"
    gone = cli(root, "file", "--to", "operator", "--subject", "s", "--body-file", str(escaped))
    assert gone.returncode == 2 and "\x1b" not in gone.stdout
    flood = subprocess.Popen(
        [
            *COMMAND,
            "file",
            "--to",
            "operator",
            "--subject",
            "s",
            "--body-file",
            "-",
            "--state",
            str(root),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env(),
    )
    assert flood.stdin is not None
    block = b"x" * (1 << 20)
    try:
        for _ in range(64):  # 64 MiB offered; the command stops reading past the limit
            flood.stdin.write(block)
    except BrokenPipeError:
        pass
    flood.stdin.close()
    assert flood.wait(30) == 2
    assert flood.stdout is not None and f"{MAX_SIZE - 16 * 1024:,}" in flood.stdout.read().decode()
    assert files(root) == before


@pytest.mark.parametrize("odd", ["tab\there", "zw\u200djoiner", "esc\x1b[31mape"])
def test_names_the_room_shows_cleaned_are_acted_on(tmp_path: Path, odd: str) -> None:
    root = make_root(tmp_path)
    question(root, "Q-1").rename(root / "tickets" / "to_operator" / f"{odd}.md")
    question(root, "Q-2").rename(root / "tickets" / "to_operator" / f"{odd}-2.md")
    replied = cli(root, "reply", "Q-1", "--status", "done", "--body", "x")
    assert replied.returncode == 0, replied.stdout
    archived = cli(root, "archive", "Q-2")
    assert archived.returncode == 0, archived.stdout
    assert list((root / "tickets" / "to_operator").iterdir()) == []
    assert "\x1b" not in replied.stdout + archived.stdout


def test_a_role_folder_with_a_newline_is_no_role(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    question(root, "Q-1", role="ops\n")
    status = json.loads(cli(root, "status", "--json").stdout)
    assert "ops\n" not in status["roles"] if "roles" in status else True
    assert all(t["role"] != "ops\n" for t in status["tickets"])


def test_archiving_one_id_twice_archives_it_once(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    question(root)
    result = cli(root, "archive", "Q-1", "Q-1", "--json")
    assert result.returncode == 0 and len(json.loads(result.stdout)["paths"]) == 1


def test_an_audit_log_that_is_no_file_is_said(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    question(root)
    (root / ".room").mkdir(exist_ok=True)
    os.mkfifo(root / ".room" / "actions.jsonl")
    result = cli(root, "archive", "Q-1")
    assert result.returncode == 0  # the move stands
    assert "actions.jsonl not written" in result.stderr


text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
path_like = st.sampled_from(["../x", "/etc/passwd", "a/b", ".room", "..", "to_x", "-", ""])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    command=st.sampled_from(["reply", "archive", "file", "ack", "resolve"]),
    values=st.lists(st.one_of(text, path_like), min_size=3, max_size=3),
    role=st.one_of(st.sampled_from(["operator", "architect", "Ops", "ops\n", "../r"]), text),
)
def test_generated_arguments_never_crash_nor_write_outside(
    tmp_path_factory: pytest.TempPathFactory, command: str, values: list[str], role: str
) -> None:
    from tui.cli import main

    base = tmp_path_factory.mktemp("prop")
    root = make_root(base / "state")
    question(root)
    a, b, c = values
    argv = {
        "reply": ["reply", a or "Q-1", "--status", "done", "--body", b, "--from", role],
        "archive": ["archive", a or "Q-1", b or "Q-1"],
        "file": ["file", "--to", role, "--subject", a, "--body", b, "--deliverable", c],
        "ack": ["ack", a or "Q-1", "--note", b],
        "resolve": ["resolve", a or "INC", "--note", b],
    }[command]
    try:
        code = main([*argv, "--state", str(root), "--json"])
    except SystemExit as exc:  # argparse: a value that looks like an option
        code = exc.code
    assert code in (0, 1, 2)
    outside = [p for p in base.rglob("*") if p.is_file() and root not in p.parents]
    assert outside == []
