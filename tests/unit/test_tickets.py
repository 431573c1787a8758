"""Ticket files read right: every default, alias, warning and malformed reason of SPEC section 2."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import NOW, stamp, write_raw, write_ticket
from tui.bus.front_matter import _fast_header
from tui.bus.scanner import Scanner
from tui.bus.tickets import Malformed, Ticket, is_ticket_name, read_ticket


def read(root: Path, path: Path, role: str = "operator") -> Ticket | Malformed | None:
    return read_ticket(root, path, role)


def test_full_ticket_keeps_every_field(root: Path) -> None:
    path = write_ticket(
        root,
        "operator",
        "T-0042",
        id="T-0042",
        sender="architect",
        to="operator",
        priority="P1",
        subject="Rotate the deploy webhook secret",
        deliverable="POST answers 200",
        created="2026-11-24T09:30:00Z",
        status="open",
        project="memorial-a",
        owner="andrea",
    )
    ticket = read(root, path)
    assert isinstance(ticket, Ticket)
    assert (ticket.id, ticket.sender, ticket.to, ticket.priority) == (
        "T-0042",
        "architect",
        "operator",
        "P1",
    )
    assert ticket.subject == "Rotate the deploy webhook secret"
    assert ticket.created == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    assert ticket.status == "open" and ticket.project == "memorial-a"
    assert ticket.extra == {"owner": "andrea"}
    assert ticket.warnings == ()
    assert ticket.path == "tickets/to_operator/T-0042.md"


def test_defaults_when_keys_are_absent(root: Path) -> None:
    path = write_ticket(
        root, "operator", "T-7", body="\n# Heading subject\n\nText\n", sender="architect"
    )
    os.utime(path, (1_700_000_000, 1_700_000_000))
    ticket = read(root, path)
    assert isinstance(ticket, Ticket)
    assert ticket.id == "T-7"
    assert ticket.to == "operator"
    assert ticket.priority == "P2"
    assert ticket.subject == "Heading subject"
    assert ticket.status == "open"
    assert ticket.created == datetime.fromtimestamp(1_700_000_000, UTC)
    assert ticket.created_from_mtime
    assert ticket.warnings == ("no deliverable (the protocol asks every ticket for one)",)


def test_subject_falls_back_to_first_line(root: Path) -> None:
    path = write_ticket(
        root, "operator", "x", body="\n\nfirst real line\nsecond\n", sender="a", deliverable="d"
    )
    ticket = read(root, path)
    assert isinstance(ticket, Ticket) and ticket.subject == "first real line"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("P0", "P0"),
        ("p3", "P3"),
        ("critical", "P0"),
        ("HIGH", "P1"),
        ("Medium", "P2"),
        ("low", "P3"),
    ],
)
def test_priority_aliases(root: Path, raw: str, expected: str) -> None:
    path = write_ticket(root, "operator", "p", sender="a", priority=raw, deliverable="d")
    ticket = read(root, path)
    assert isinstance(ticket, Ticket) and ticket.priority == expected and ticket.warnings == ()


def test_odd_priority_warns_and_counts_as_p2(root: Path) -> None:
    path = write_ticket(root, "operator", "p", sender="a", priority="urgent", deliverable="d")
    ticket = read(root, path)
    assert isinstance(ticket, Ticket) and ticket.priority == "P2"
    assert any("urgent" in w and "P2" in w for w in ticket.warnings)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("open", "open"),
        ("DONE", "done"),
        ("Rejected", "rejected"),
        ("needs-clarification", "needs_clarification"),
        ("NEEDS_CLARIFICATION", "needs_clarification"),
        ("blocked", "blocked"),
    ],
)
def test_status_spellings(root: Path, raw: str, expected: str) -> None:
    path = write_ticket(root, "operator", "s", sender="a", status=raw, deliverable="d")
    ticket = read(root, path)
    assert isinstance(ticket, Ticket) and ticket.status == expected


def test_to_mismatch_is_a_warning(root: Path) -> None:
    path = write_ticket(root, "operator", "m", sender="a", to="architect", deliverable="d")
    ticket = read(root, path)
    assert isinstance(ticket, Ticket) and ticket.to == "architect"
    assert ticket.warnings == ("addressed to 'architect' but sits in the inbox of 'operator'",)


def test_naive_created_is_utc_and_offsets_convert(root: Path) -> None:
    naive = read(
        root,
        write_ticket(
            root, "operator", "n", sender="a", deliverable="d", created="2026-11-24T09:30:00"
        ),
    )
    offset = read(
        root,
        write_ticket(
            root, "operator", "o", sender="a", deliverable="d", created="2026-11-24T11:30:00+02:00"
        ),
    )
    quoted = read(
        root,
        write_ticket(
            root, "operator", "q", sender="a", deliverable="d", created='"2026-11-24T09:30:00Z"'
        ),
    )
    for ticket in (naive, offset, quoted):
        assert isinstance(ticket, Ticket)
        assert ticket.created == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def test_response_links_and_verify(root: Path) -> None:
    path = write_raw(
        root,
        "architect",
        "R-1.md",
        (
            "---\nfrom: operator\nstatus: done\nin_reply_to: T-0042\ndeliverable: d\n"
            "verify:\n  url: https://x.example/\n  status: 200\n---\n"
        ),
    )
    ticket = read(root, path, "architect")
    assert isinstance(ticket, Ticket) and ticket.is_response and ticket.in_reply_to == "T-0042"
    assert ticket.verify == {"url": "https://x.example/", "status": 200}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"   \n\n", "empty file"),
        (b"just text\n", "no front matter"),
        (b"---\nfrom: a\nno closing line\n", "not closed"),
        (b"---\nfrom: [a\n---\n", "bad YAML"),
        (b"---\n- a\n- b\n---\n", "front matter is a list, not a mapping"),
        (b"---\n---\n", "front matter is empty, not a mapping"),
        (b"---\nto: operator\n---\n", "missing 'from'"),
        (b"---\nfrom: a\ncreated: yesterday\n---\n", "bad 'created'"),
        (b"---\nfrom: a\ncreated: 12:30\n---\n", "bad 'created'"),
        (b"---\nfrom: a\nstatus: wip\n---\n", "unknown status 'wip'"),
        (b"---\nfrom: a\n---\n\xff\xfe bad bytes", "not UTF-8"),
        (b"---\nfrom: a\n---\n\x00\x01\x02", "binary file"),
        (b"---\nfrom: !!python/object/apply:os.system ['echo pwned']\n---\n", "missing 'from'"),
    ],
)
def test_malformed_reasons(root: Path, content: bytes, reason: str) -> None:
    path = write_raw(root, "operator", "bad.md", content)
    result = read(root, path)
    assert isinstance(result, Malformed), result
    assert reason in result.reason
    assert result.path == "tickets/to_operator/bad.md"


def test_over_one_mib_is_malformed_without_reading_it_all(root: Path) -> None:
    path = write_raw(root, "operator", "big.md", b"---\nfrom: a\n---\n" + b"x" * (1024 * 1024 + 10))
    result = read(root, path)
    assert isinstance(result, Malformed) and "larger than 1 MiB" in result.reason


def test_symlink_out_of_the_root_and_loop(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text("---\nfrom: a\n---\n")
    inbox = root / "tickets" / "to_operator"
    inbox.mkdir(parents=True)
    (inbox / "out.md").symlink_to(outside)
    (inbox / "loop.md").symlink_to(inbox / "loop2.md")
    (inbox / "loop2.md").symlink_to(inbox / "loop.md")
    (inbox / "inside.md").symlink_to(root / "tickets" / "real.txt")
    (root / "tickets" / "real.txt").write_text("---\nfrom: a\ndeliverable: d\n---\n")
    out = read(root, inbox / "out.md")
    loop = read(root, inbox / "loop.md")
    inside = read(root, inbox / "inside.md")
    assert isinstance(out, Malformed) and out.reason == "symlink leads outside the state root"
    assert isinstance(loop, Malformed) and loop.reason == "symlink loop"
    assert isinstance(inside, Ticket)


def test_vanished_file_is_simply_gone(root: Path) -> None:
    assert read(root, root / "tickets" / "to_operator" / "gone.md") is None


def test_a_folder_named_like_a_ticket(root: Path) -> None:
    (root / "tickets" / "to_operator" / "dir.md").mkdir(parents=True)
    result = read(root, root / "tickets" / "to_operator" / "dir.md")
    assert isinstance(result, Malformed) and result.reason == "not a regular file"


def test_unreadable_file_is_malformed(root: Path) -> None:
    path = write_raw(root, "operator", "locked.md", "---\nfrom: a\n---\n")
    path.chmod(0)
    if os.geteuid() != 0:
        result = read(root, path)
        assert isinstance(result, Malformed) and "permission denied" in result.reason
        return
    # Root reads everything: import as root, then drop to an unprivileged user and read.
    for part in [root, *root.parents]:
        part.chmod(part.stat().st_mode | 0o055)
    code = (
        "import os; from pathlib import Path; from tui.bus.tickets import read_ticket; os.setuid(65534);"
        f"r = read_ticket(Path({str(root)!r}), Path({str(path)!r}), 'operator'); print(r.reason)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
    )
    assert "permission denied" in out.stdout


@pytest.mark.parametrize(
    ("name", "counts"),
    [
        ("T-1.md", True),
        (".T-1.md", False),
        ("T-1.md.tmp", False),
        ("T-1.md~", False),
        ("T-1.md.part", False),
        ("T-1.md.swp", False),
        ("T-1.txt", False),
    ],
)
def test_which_names_are_tickets(name: str, counts: bool) -> None:
    assert is_ticket_name(name) is counts


def test_hostile_text_is_made_inert(root: Path) -> None:
    path = write_raw(
        root,
        "operator",
        "evil.md",
        (
            '---\nfrom: "archi\\e]0;pwned\\atect"\nsubject: "\\e[2J[@click=app.quit] \\u202eevil"\n'
            'deliverable: "disk [/var] full"\nextra_key: "\\e]52;c;Y2xpcA==\\a"\n---\n'
        ),
    )
    ticket = read(root, path)
    assert isinstance(ticket, Ticket)
    for text in (ticket.sender, ticket.subject, str(ticket.extra)):
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "[@click=app.quit]" in ticket.subject  # shown as the characters it is
    assert "␛" in ticket.subject and "⟨U+202E⟩" in ticket.subject


def test_scanner_rereads_only_changed_files(root: Path) -> None:
    first = write_ticket(root, "operator", "a", sender="x", deliverable="d", created=stamp(5))
    write_ticket(root, "operator", "b", sender="x", deliverable="d", created=stamp(5))
    scanner = Scanner(root)
    state = scanner.scan()
    assert {t.id for t in state.tickets} == {"a", "b"}
    first.write_text("---\nfrom: y\ndeliverable: d\nsubject: changed now\n---\n")
    os.utime(first, ns=(NOW.timestamp().__int__() * 10**9, NOW.timestamp().__int__() * 10**9))
    state = scanner.scan()
    assert {t.subject for t in state.tickets if t.id == "a"} == {"changed now"}
    first.unlink()
    assert {t.id for t in scanner.scan().tickets} == {"b"}


_keys = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,12}", fullmatch=True)
_values = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ._/:#-]{0,20}", fullmatch=True),
    # Quoted: the fast path reads `"…"` and `'…'` without escapes or the quote inside.
    st.text(max_size=20).map(lambda text: f'"{text}"'),
    st.text(max_size=20).map(lambda text: f"'{text}'"),
    st.from_regex(r"[\"'][A-Za-z0-9 :#\\'\"\t]{0,10}[\"'][ #]{0,2}", fullmatch=True),
)


@given(st.lists(st.tuples(_keys, _values), max_size=8))
def test_fast_header_agrees_with_yaml(pairs: list[tuple[str, str]]) -> None:
    header = "\n".join(f"{key}: {value}" for key, value in pairs)
    fast = _fast_header(header)
    try:
        slow = yaml.load(header, Loader=yaml.BaseLoader)
    except yaml.YAMLError:
        assert fast is None
        return
    if fast is not None:  # None: outside the fast subset, YAML reads it
        assert fast == (slow if slow is not None else {})


def test_quoted_values_take_the_fast_path_and_escapes_do_not() -> None:
    header = "subject: \"Deploy blocked: image # 3\"\nverify: 'https://a.example/'\nid: T-1"
    assert _fast_header(header) == {
        "subject": "Deploy blocked: image # 3",
        "verify": "https://a.example/",
        "id": "T-1",
    }
    assert _fast_header('subject: "tab\\there"') is None  # an escape: YAML reads it
    assert _fast_header("subject: 'it''s'") is None  # a doubled quote: YAML reads it
    assert _fast_header('subject: "a" # note') is None  # a comment after it: YAML reads it


def test_an_original_archived_under_another_name_is_found_by_its_id(root: Path) -> None:
    from tui.bus.scanner import find_archived

    nested = root / "tickets" / "archive" / "2026-11" / "week-47"
    nested.mkdir(parents=True)
    (nested / "rotate-secret.md").write_text("---\nid: T-0042\nfrom: architect\n---\nBody.\n")
    (nested / "other.md").write_text("---\nid: T-00420\nfrom: architect\n---\nid: T-0042\n")
    found = find_archived(root / "tickets" / "archive", "T-0042")
    assert found == nested / "rotate-secret.md"
    assert find_archived(root / "tickets" / "archive", "T-9999") is None


@pytest.mark.parametrize(
    ("raw", "role", "persona"),
    [
        ("architect (Cybersecurity)", "architect", "Cybersecurity"),
        ("architect   ( Cost review )  ", "architect", "Cost review"),
        ("pm-bakery (a) (Legal)", "pm-bakery (a)", "Legal"),  # the last parentheses
        ("architect ()", "architect", None),
        ("architect", "architect", None),
        ("(Cybersecurity)", "(Cybersecurity)", None),  # no role before it: no persona
    ],
)
def test_a_persona_in_from_is_read_apart_from_the_role(
    root: Path, raw: str, role: str, persona: str | None
) -> None:
    from tui.bus.filter import matches, parse_filter

    path = write_ticket(root, "operator", "P-1", sender=f'"{raw}"', subject="s", deliverable="d")
    ticket = read(root, path)
    assert isinstance(ticket, Ticket)
    assert (ticket.sender, ticket.persona) == (role, persona)
    if persona:
        assert ticket.shown_sender == f"{role} ({persona})"
        assert matches(ticket, parse_filter(f"persona:{persona.split()[0].lower()}")) is (
            " " not in persona
        )
        assert matches(ticket, parse_filter(f"from:{role.split()[0]}")) is (" " not in role)


def test_a_high_finding_whose_exposure_is_not_verified_is_marked(root: Path) -> None:
    common = {"sender": '"architect (Cybersecurity)"', "subject": "s", "deliverable": "d"}
    assumed = write_ticket(root, "operator", "F-1", severity="High", exposure="assumed", **common)
    verified = write_ticket(root, "operator", "F-2", severity="High", exposure="verified", **common)
    low = write_ticket(root, "operator", "F-3", severity="Low", scope_severity="Low", **common)
    first, second, third = (read(root, p) for p in (assumed, verified, low))
    assert isinstance(first, Ticket) and isinstance(second, Ticket) and isinstance(third, Ticket)
    assert first.warnings == ("unverified: a high finding whose exposure is not verified",)
    assert second.warnings == () and third.warnings == ()
    assert first.extra["severity"] == "High" and third.extra["scope_severity"] == "Low"


def test_findings_sort_by_risk_or_severity(root: Path) -> None:
    from tui.bus.filter import parse_filter
    from tui.view.inboxes import ticket_rows

    common = {"sender": '"architect (Cybersecurity)"', "subject": "s", "deliverable": "d"}
    write_ticket(root, "operator", "F-1", id="F-1", risk="6.5", severity="High", **common)
    write_ticket(root, "operator", "F-2", id="F-2", risk="9.1", severity="Medium", **common)
    write_ticket(root, "operator", "F-3", id="F-3", severity="Critical", **common)
    write_ticket(root, "operator", "F-4", id="F-4", priority="P0", **common)
    bus = Scanner(root).scan()

    def order(text: str) -> list[str]:
        spec = parse_filter(text)
        rows, _ = ticket_rows(bus, None, NOW, timedelta(hours=1), set(), spec)
        return [row.ticket_id for row in rows]

    assert order("sort:risk") == ["F-2", "F-1", "F-4", "F-3"]  # no risk: last, P0 first
    assert order("sort:severity") == ["F-3", "F-1", "F-2", "F-4"]
    assert order("sort:colour") == []
    assert parse_filter("sort:colour").problems == ("unknown sort 'colour' (risk, severity)",)
