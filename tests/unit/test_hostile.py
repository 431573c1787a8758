"""Nothing a ticket file can say stops the room: each case costs one malformed row or a warning."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import write_raw
from tui.bus.scanner import Scanner
from tui.bus.tickets import HEAD_BYTES, Malformed, Ticket, parse_ticket

ALIAS_BOMB = (
    "---\nfrom: x\n"
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "---\n"
)


def parse(text: str | bytes, mtime: float = 1.8e9) -> Ticket | Malformed:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_ticket(data, rel="tickets/to_x/t.md", role="x", stem="t", mtime=mtime)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("---\nfrom: a\ncreated: 9999-12-31T23:59:59-01:00\n---\n", "is out of range"),
        ("---\nfrom: a\n" + "x: " + "[" * 400 + "]" * 400 + "\n---\n", "nested too deep"),
        ("---\nfrom: a\nx:\n" + "".join("  " * i + "- \n" for i in range(1, 40)) + "---\n", ""),
        (ALIAS_BOMB, "over 5,000 values"),
    ],
    ids=["created-overflow", "nested-flow", "nested-block", "alias-bomb"],
)
def test_a_hostile_header_is_one_malformed_row(text: str, reason: str) -> None:
    result = parse(text)
    assert isinstance(result, Malformed), result
    assert reason in result.reason


def test_no_created_and_a_file_time_out_of_range_is_malformed() -> None:
    result = parse("---\nfrom: a\n---\n", mtime=1e20)
    assert isinstance(result, Malformed) and "modification time is out of range" in result.reason


@pytest.mark.parametrize(
    "status", ["²³⁴", "9" * 5000, "20", "2000"], ids=["superscript", "5000-digits", "20", "2000"]
)
def test_a_verify_status_that_is_no_http_status_is_a_warning(status: str) -> None:
    result = parse(
        f"---\nfrom: a\ndeliverable: d\nverify:\n  url: http://x/\n  status: '{status}'\n---\n"
    )
    assert isinstance(result, Ticket)
    assert result.verify == {"url": "http://x/"}
    assert any("is not an HTTP status" in w for w in result.warnings)


def test_a_multibyte_character_across_the_head_limit_is_still_utf8(root: Path) -> None:
    header = "---\nfrom: a\ndeliverable: d\n---\n"
    pad = HEAD_BYTES - len(header) - 1  # "é" (2 bytes) straddles byte 16,384
    path = write_raw(root, "x", "t.md", header + "a" * pad + "é" + "b" * 100)
    [ticket] = Scanner(root).scan().tickets
    assert ticket.path == "tickets/to_x/t.md" and path.exists()


def test_one_bad_file_costs_one_row_never_the_scan(root: Path) -> None:
    write_raw(root, "x", "good.md", "---\nfrom: a\ndeliverable: d\n---\n")
    write_raw(root, "x", "bomb.md", ALIAS_BOMB)
    write_raw(root, "x", "late.md", "---\nfrom: a\ncreated: 9999-12-31T23:59:59-01:00\n---\n")
    bus = Scanner(root).scan()
    assert [t.path for t in bus.tickets] == ["tickets/to_x/good.md"]
    assert sorted(m.path for m in bus.malformed) == [
        "tickets/to_x/bomb.md",
        "tickets/to_x/late.md",
    ]


YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(
    key=st.sampled_from(
        [
            "from",
            "id",
            "to",
            "priority",
            "subject",
            "created",
            "status",
            "verify",
            "in_reply_to",
            "project",
            "deliverable",
            "other",
        ]
    ),
    value=YAML_VALUES,
)
def test_any_value_in_any_key_parses_or_is_malformed(key: str, value: object) -> None:
    import json

    text = f"---\nfrom: a\n{key}: {json.dumps(value)}\n---\nbody\n"
    result = parse(text)
    assert isinstance(result, Ticket | Malformed)
    if isinstance(result, Ticket):
        json.dumps(result.extra)  # what the snapshot prints can always be printed


def test_a_large_body_is_shown_in_part_with_where_the_rest_is() -> None:
    from tui.view.ticket import BODY_CHARS, BODY_COST, CODE_LINES_PER_UNIT, bounded_body

    many = "\n\n".join(f"paragraph {n}" for n in range(6000))
    shown = bounded_body(many, "tickets/to_x/big.md")
    assert shown.count("paragraph") == BODY_COST and "read it in `tickets/to_x/big.md`" in shown
    # A list item costs what a paragraph does, a table row one a cell (each is drawn as widgets).
    table = "| site | code |\n|---|---|\n" + "".join(f"| r{n} | 503 |\n" for n in range(5000))
    assert bounded_body(table, "p").count("| r") == BODY_COST // 2 - 2  # and the header, the rule
    items = "".join(f"- item {n}\n" for n in range(5000))
    assert bounded_body(items, "p").count("- item") == BODY_COST
    # Code is cut by lines, and a fence left open by the cut is closed before the footer.
    code = "```python\n" + "x = 1\n" * 5000 + "```\n"
    shown = bounded_body(code, "p")
    assert shown.count("x = 1") == (BODY_COST - 1) * CODE_LINES_PER_UNIT
    assert shown.split("\n---\n")[0].rstrip().endswith("```")
    # Code with no language named is plain text: no lexer guessing (0.8 s for 1,000 lines).
    assert bounded_body("```\nls -l\n```\n", "p") == "```text\nls -l\n```\n"
    assert bounded_body("~~~sh\nls\n~~~\n", "p") == "~~~sh\nls\n~~~\n"
    # A fence the cut falls on is not shown, so nothing is closed (a stray fence would swallow
    # the footer into a code block).
    shown = bounded_body("\n\n".join(f"p{n}" for n in range(BODY_COST)) + "\n\n```\nx\n```\n", "p")
    assert "```" not in shown and shown.count("\n---\n") == 1
    # A longer fence is closed by as long a one; what is not shown is counted in the file as is.
    shown = bounded_body("````\n" + "x\n" * 5000 + "````\n", "p")
    assert shown.split("\n\n---\n\n")[0].endswith("\nx\n````")
    body = "```\nx\n```\n\n" + "\n\n".join(f"p{n}" for n in range(300))
    shown = bounded_body(body, "p")
    assert shown.startswith("```text\nx\n```\n\np0")
    last = shown.split("\n\n---\n\n")[0].rsplit("\n\n", 1)[-1]  # the last paragraph shown
    rest = body[body.index(f"\n\n{last}\n\n") + len(last) + 4 :]
    assert f"({len(rest):,} characters" in shown
    long_line = "word " * 100_000
    shown = bounded_body(long_line, "tickets/to_x/long.md")
    assert len(shown) < BODY_CHARS + 200 and "read it in" in shown
    assert bounded_body("short\n\nbody", "p") == "short\n\nbody"


def test_a_run_of_combining_marks_is_counted_not_drawn() -> None:
    from tui.base.sanitize import clean

    assert clean("Z" + "\u0301" * 10_000 + "!") == "Z" + "\u0301" * 4 + "⟨+9996 marks⟩!"
    assert clean("café") == "café" and clean("e\u0301\u0302") == "e\u0301\u0302"


def test_the_actions_log_is_read_from_its_tail_and_cleaned_keys_too(tmp_path: Path) -> None:
    import json
    import os

    from tui.ops import audit

    room = tmp_path / ".room"
    room.mkdir()
    log = room / "actions.jsonl"
    with log.open("wb") as handle:
        handle.truncate(1 << 30)  # a 1 GiB log (sparse): only its tail is read
        handle.seek(1 << 30)
        line = {
            "at": "2026-12-01T10:00:00Z",
            "who": "x",
            "action": "file",
            "\x1b]0;pwned\x07k": "v\x1b[31m",
        }
        handle.write(b"\n" + json.dumps(line).encode() + b"\n")
    [(when, who, what, detail)] = audit.rows(room)
    assert (when, who, what) == ("2026-12-01T10:00:00Z", "x", "file")
    assert "\x1b" not in detail and "\x07" not in detail and "pwned" in detail
    log.unlink()
    os.mkfifo(log)
    assert audit.rows(room) == []  # a FIFO is no log, and is not waited on


def test_an_alias_bomb_in_an_intent_or_the_knowledge_base_is_refused(root: Path) -> None:
    """Every front matter reader holds the same limits as the tickets', not only the scanner."""
    from tui.bus.intents import read_intents
    from tui.ops.kb import load_kb

    for folder in ("intents", "kb"):
        (root / folder).mkdir()
        (root / folder / "bomb.md").write_text(ALIAS_BOMB)
    intents, bad_intents, _ = read_intents(root)
    assert intents == [] and [bad.path for bad in bad_intents] == ["intents/bomb.md"]
    assert "over 5,000 values" in bad_intents[0].reason
    entries, broken = load_kb(root)
    assert entries == [] and [bad.path for bad in broken] == ["kb/bomb.md"]
    assert "over 5,000 values" in broken[0].reason
