"""The one sanitizer: nothing that can act on a terminal survives it, and it never raises."""

from __future__ import annotations

import unicodedata

from hypothesis import assume, given
from hypothesis import strategies as st

from tui.base.sanitize import _MARK_RUN, clean

BIDI = {
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
}


def unsafe(char: str, multiline: bool) -> bool:
    if multiline and char in "\n\t":
        return False
    return unicodedata.category(char) in ("Cc", "Cs") or char in BIDI or char in "\u2028\u2029"


@given(st.text())
def test_single_line_output_has_no_control_or_bidi_character(text: str) -> None:
    out = clean(text)
    assert not any(unsafe(char, False) for char in out)


@given(st.text())
def test_multiline_output_keeps_only_newline_and_tab(text: str) -> None:
    out = clean(text, multiline=True)
    assert not any(unsafe(char, True) for char in out)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp"))))
def test_ordinary_text_is_unchanged(text: str) -> None:
    assume(not _MARK_RUN.search(text))  # five combining marks in a row are cut (another test)
    assert clean(text) == text


def test_escape_sequences_become_visible() -> None:
    assert clean("\x1b]0;title\x07") == "␛]0;title␇"
    assert clean("\x1b[31mred") == "␛[31mred"
    assert clean("a\x9bb") == "a⟨U+009B⟩b"  # C1 CSI
    assert clean("\x1bP1$r\x1b\\") == "␛P1$r␛\\"  # DCS
    assert clean("x\u202ey") == "x⟨U+202E⟩y"
    assert clean("line\nnext") == "line␊next"
    assert clean("line\r\nnext", multiline=True) == "line\nnext"
    assert clean("\x7f") == "␡"


def test_markup_is_left_as_text() -> None:
    assert clean("[@click=app.quit]x[/]") == "[@click=app.quit]x[/]"
