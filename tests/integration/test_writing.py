"""Closing loops from the command line and in the core: reply, archive, file, undo; every exit
code; races with an agent moving or rewriting the ticket; random interleavings (hypothesis)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import make_root, run_cli, stamp, write_ticket
from tui.bus import writing
from tui.bus.scanner import Scanner
from tui.bus.tickets import Ticket, read_ticket

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


cli = run_cli


@pytest.fixture
def state(root: Path) -> Path:
    write_ticket(
        root,
        "operator",
        "Q-1",
        id="Q-1",
        sender="architect",
        subject="Which registrar?",
        priority="P0",
        created=stamp(90),
        status="needs_clarification",
        deliverable="a name",
    )
    write_ticket(root, "architect", "R-1", id="R-1", sender="operator", status="done")
    write_ticket(root, "architect", "R-2", id="R-2", sender="operator", status="done")
    return root


def parse(path: Path, root: Path) -> Ticket:
    found = read_ticket(root, path, path.parent.name.removeprefix("to_"))
    assert isinstance(found, Ticket), found
    return found


def test_reply_writes_a_response_and_archives_the_question(state: Path) -> None:
    result = cli(state, "reply", "Q-1", "--status", "done", "--body", "Gandi: `dig NS`", "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    response = state / answer["path"]
    assert answer["path"].startswith("tickets/to_architect/O-")
    assert answer["archived"].startswith("tickets/archive/") and answer["archived"].endswith(
        "/Q-1.md"
    )
    ticket = parse(response, state)
    assert (ticket.sender, ticket.to, ticket.status, ticket.in_reply_to, ticket.priority) == (
        "owner",
        "architect",
        "done",
        "Q-1",
        "P0",
    )
    assert ticket.subject == "Re: Which registrar?"
    assert not (state / "tickets" / "to_operator" / "Q-1.md").exists()
    again = cli(state, "reply", "Q-1", "--status", "done")
    assert again.returncode == 1 and "Q-1 is already in the archive" in again.stdout
    actions = [json.loads(line) for line in (state / ".room" / "actions.jsonl").open()]
    assert actions[0]["action"] == "reply" and actions[0]["who"]
    assert actions[0]["path"] == answer["path"]


def test_a_finding_from_a_persona_is_answered_to_its_role(root: Path) -> None:
    write_ticket(
        root,
        "operator",
        "P-1",
        id="P-1",
        sender='"architect (Cybersecurity)"',
        subject="TLS 1.0 still offered",
        deliverable="TLS 1.2+ only",
        severity="High",
        exposure="assumed",
    )
    status = json.loads(cli(root, "status", "--json").stdout)
    [ticket] = status["tickets"]
    assert (ticket["from"], ticket["persona"]) == ("architect", "Cybersecurity")
    assert "unverified" in ticket["warnings"][0]
    result = cli(root, "reply", "P-1", "--status", "done", "--body", "Disabled.", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    answer = json.loads(result.stdout)
    assert answer["path"].startswith("tickets/to_architect/")
    response = parse(root / answer["path"], root)
    assert (response.to, response.in_reply_to) == ("architect", "P-1")


def test_reply_keep_body_file_and_stdin(state: Path, tmp_path: Path) -> None:
    body = tmp_path / "answer.md"
    body.write_text("# Answer\n\nCloudflare: ---\nnot front matter\n")
    result = cli(state, "reply", "Q-1", "--status", "answer", "--body-file", str(body), "--keep")
    assert result.returncode == 0, result.stderr
    response = state / result.stdout.strip()
    assert (state / "tickets" / "to_operator" / "Q-1.md").exists()  # kept
    ticket = parse(response, state)
    assert ticket.status == "open" and "not front matter" in response.read_text()
    piped = cli(state, "reply", "Q-1", "--status", "blocked", "--body-file", "-", stdin="piped\n")
    assert piped.returncode == 0 and "piped" in (state / piped.stdout.splitlines()[0]).read_text()


def test_usage_errors_are_exit_2(state: Path) -> None:
    assert cli(state, "reply", "Q-1", "--status", "maybe").returncode == 2
    assert cli(state, "reply", "NOPE", "--status", "done").returncode == 2
    assert cli(state, "archive", "NOPE").returncode == 2
    assert cli(state, "file", "--to", "nobody", "--subject", "x").returncode == 2
    assert cli(state, "file", "--to", "../x", "--subject", "x").returncode == 2
    bad = cli(state, "file", "--to", "operator", "--subject", "x", "--verify", "ftp://x")
    assert bad.returncode == 2 and "--verify" in bad.stdout
    missing = cli(state, "reply", "Q-1", "--status", "done", "--body-file", "/no/such")
    assert missing.returncode == 2
    assert cli(state, "file", "--subject", "x").returncode == 2  # --to is required
    # Nothing was written by any of them.
    assert sorted(p.name for p in (state / "tickets").rglob("*.md")) == [
        "Q-1.md",
        "R-1.md",
        "R-2.md",
    ]


def test_refusals_are_exit_1_and_write_nothing(state: Path) -> None:
    # A name already taken in the archive: not overwritten.
    taken = state / "tickets" / "archive" / f"{datetime.now(UTC):%Y-%m}" / "R-1.md"
    taken.parent.mkdir(parents=True)
    taken.write_text("an older R-1\n")
    result = cli(state, "archive", "R-1", "--json")
    assert result.returncode == 1
    assert "already exists in the archive" in json.loads(result.stdout)["message"]
    assert taken.read_text() == "an older R-1\n"
    assert (state / "tickets" / "to_architect" / "R-1.md").exists()
    # A sender that is no role cannot be answered (no path outside the inboxes).
    write_ticket(state, "operator", "EVIL", id="EVIL", sender="../../etc", status="open")
    evil = cli(state, "reply", "EVIL", "--status", "done")
    assert evil.returncode == 1 and "no role" in evil.stdout
    assert not (state.parent / "etc").exists()


def test_archive_several_and_file_a_ticket(state: Path) -> None:
    result = cli(state, "archive", "R-1", "R-2")
    assert result.returncode == 0
    assert [Path(line).name for line in result.stdout.split()] == ["R-1.md", "R-2.md"]
    filed = cli(
        state,
        "file",
        "--to",
        "operator",
        "--subject",
        'Check "memorial-b": answers 200?',
        "--priority",
        "P1",
        "--deliverable",
        "curl shows 200",
        "--verify",
        "https://memorial-b.example.org/",
        "--body",
        "Please.",
    )
    assert filed.returncode == 0, filed.stderr
    ticket = parse(state / filed.stdout.strip(), state)
    assert ticket.subject == 'Check "memorial-b": answers 200?' and ticket.priority == "P1"
    assert ticket.verify == {"url": "https://memorial-b.example.org/"}
    assert ticket.deliverable == "curl shows 200" and ticket.sender == "owner"


def test_a_ticket_an_agent_moved_or_rewrote_after_it_was_read_is_refused(state: Path) -> None:
    [question] = [t for t in Scanner(state).scan().tickets if t.id == "Q-1"]
    path = state / question.path
    seen = writing.version_of(path)
    # The agent rewrites it (a new version) while the owner types.
    path.write_text(path.read_text() + "\nMore context from the agent.\n")
    with pytest.raises(writing.Refused, match="changed on disk"):
        writing.reply(state, question, "done", "typed text", "owner", NOW, seen=seen)
    assert list((state / "tickets" / "to_architect").glob("O-*.md")) == []  # nothing written
    # The agent moves it to the archive.
    seen = writing.version_of(path)
    os.rename(path, state / "tickets" / "archive" / "Q-1.md")
    with pytest.raises(writing.Refused, match="moved meanwhile"):
        writing.reply(state, question, "done", "typed text", "owner", NOW, seen=seen)
    with pytest.raises(writing.Refused, match="moved meanwhile"):
        writing.archive(state, question, NOW, seen=seen)
    assert list((state / "tickets" / "to_architect").glob("O-*.md")) == []


def test_undo_puts_it_back_unless_it_changed(state: Path) -> None:
    [r1] = [t for t in Scanner(state).scan().tickets if t.id == "R-1"]
    moved = writing.archive(state, r1, NOW)
    assert moved.target.exists() and not moved.source.exists()
    writing.undo(moved)
    assert moved.source.exists() and not moved.target.exists()
    moved = writing.archive(state, r1, NOW)
    moved.target.write_text("rewritten in the archive\n")
    with pytest.raises(writing.Refused, match="changed in the archive"):
        writing.undo(moved)
    assert moved.target.exists()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["reply", "archive", "undo", "agent-move", "agent-rewrite", "file"]),
            st.integers(0, 3),
        ),
        max_size=25,
    )
)
def test_random_room_actions_and_agent_moves_lose_and_double_nothing(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, int]]
) -> None:
    root = make_root(tmp_path_factory.mktemp("prop"))
    ids = [f"T-{n}" for n in range(4)]
    for n, ticket_id in enumerate(ids):
        write_ticket(
            root,
            "operator" if n % 2 else "architect",
            ticket_id,
            id=ticket_id,
            sender="pm-x",
            status="needs_clarification",
            created=stamp(90),
        )
    written: list[Path] = []
    undo_stack: list[writing.Archived] = []
    for action, index in steps:
        tickets = {t.id: t for t in Scanner(root).scan().tickets if t.id in ids}
        ticket = tickets.get(ids[index])
        try:
            if action == "reply" and ticket is not None:
                seen = writing.version_of(root / ticket.path)
                done = writing.reply(
                    root, ticket, "done", f"answer {index}", "owner", NOW, seen=seen
                )
                written.append(done.path)
            elif action == "archive" and ticket is not None:
                undo_stack.append(writing.archive(root, ticket, NOW))
            elif action == "undo" and undo_stack:
                writing.undo(undo_stack.pop())
            elif action == "agent-move" and ticket is not None:
                target = root / "tickets" / "archive" / "agent" / f"{ticket.id}.md"
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.exists():
                    os.rename(root / ticket.path, target)
            elif action == "agent-rewrite" and ticket is not None:
                path = root / ticket.path
                path.write_text(path.read_text() + "\nagent note\n")
            elif action == "file":
                written.append(writing.file_ticket(root, "operator", f"new {index}", "owner", NOW))
        except writing.Refused:
            pass
    # Every original ticket is in exactly one place.
    for ticket_id in ids:
        places = [p for p in (root / "tickets").rglob(f"{ticket_id}.md")]
        assert len(places) == 1, (ticket_id, places)
    # Every written file is a whole ticket with the contract's keys, and no temp file is left.
    for path in written:
        ticket = parse(path, root)
        assert ticket.id and ticket.sender == "owner" and ticket.to and ticket.status
    assert not [p for p in (root / "tickets").rglob("*") if p.name.endswith(".tmp")]
