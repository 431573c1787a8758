"""The one sanitizer for untrusted text.

Every string read from a ticket (or a file name, a KB entry, a probe's answer) passes through
:func:`clean` once, where it enters the core. Afterwards it holds no character that can act on a
terminal: C0/C1 controls, DEL, escape sequences (their introducer is a control character),
bidirectional overrides and line/paragraph separators become visible placeholders. Markup is not
touched here: it stays literal text, and every widget shows it with markup off.
"""

from __future__ import annotations

import re

# Bidi embedding/override/isolate marks and other invisible format characters that reorder or
# hide text. Zero-width joiners are kept out too: they can hide text inside identifiers.
_FORMAT = "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff\ufff9\ufffa\ufffb"
_SEPARATORS = "\u2028\u2029\x85"

_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_FORMAT}{_SEPARATORS}\ud800-\udfff]")
_UNSAFE_MULTILINE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_FORMAT}{_SEPARATORS}\ud800-\udfff]")


# Runs of combining marks ("zalgo" text): a few stay, the rest become a count. Ten thousand marks on
# one letter cost the terminal renderer seconds and show nothing a person can read.
_MARKS = "\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_MARK_RUN = re.compile(f"([{_MARKS}]{{4}})([{_MARKS}]+)")
MAX_MARKS = 4


def _marks(match: re.Match[str]) -> str:
    return f"{match.group(1)}\u27e8+{len(match.group(2))} marks\u27e9"


def _placeholder(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (Control Pictures)
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\u27e8U+{code:04X}\u27e9"  # ⟨U+202E⟩


def clean(text: str, *, multiline: bool = False) -> str:
    """Return ``text`` with every control or invisible format character made visible.

    With ``multiline`` newlines and tabs are kept (a ticket body); otherwise they become ␊ and ␉
    too, so one field stays on one line. Carriage returns always become ␍.
    """
    if not isinstance(text, str):
        text = str(text)
    if not text.isascii():
        text = _MARK_RUN.sub(_marks, text)
    if text.isprintable():
        return text  # no control, format or separator character at all: the common case
    pattern = _UNSAFE_MULTILINE if multiline else _UNSAFE
    if multiline:
        text = text.replace("\r\n", "\n")
    return pattern.sub(_placeholder, text)


def clean_value(value: object) -> object:
    """Sanitize every string inside a YAML value (str, list, dict, scalars kept as they are)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list | tuple):
        return [clean_value(item) for item in value]
    if isinstance(value, dict):
        return {clean(str(key)): clean_value(item) for key, item in value.items()}
    return value


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters with an ellipsis (display only)."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def redact_url(url: str) -> str:
    """`https://***@host/path` for `https://user:secret@host/path`; other URLs as they are."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    if "@" not in authority:
        return url
    return f"{scheme}://***@{authority.rsplit('@', 1)[1]}{slash}{path}"
