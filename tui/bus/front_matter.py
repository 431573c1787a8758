"""A ticket file's front matter: found, split from the body, read (the common header without YAML,
the rest by the YAML base loader), refused when nested too deep or too big (alias bombs)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from tui.base.sanitize import clean

MAX_DEPTH = 16  # front matter nested deeper than this is malformed


class HeaderError(ValueError):
    """Front matter YAML cannot read: what it says, and the header's line (1-based) if known."""

    def __init__(self, problem: str, line: int | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


MAX_VALUES = 5_000  # values in the front matter, aliases counted each time they are used


def _closing_offset(data: bytes) -> int | None:
    """Where the front matter's closing line ends, if it is in `data`."""
    if not data.startswith((b"---\n", b"---\r\n", b"\xef\xbb\xbf---")):
        return 0  # no front matter at all: nothing more to read for the header
    for marker in (b"\n---\n", b"\n---\r\n", b"\n...\n", b"\n---", b"\n..."):
        index = data.find(marker, 3)
        if index >= 0:
            return index + len(marker)
    return None


# `key: plain words`, `key: "double quoted"` or `key: 'single quoted'` (no escapes, no quote inside)
_PLAIN_LINE = re.compile(
    r"^([A-Za-z_][A-Za-z0-9_-]*):(?:[ ]+(?:"
    r"\"([^\"\\\r\n]*)\"|'([^'\r\n]*)'|([^\s\-?:,\[\]{}#&*!|>'\"%@`][^\t\n]*?)"
    r"))?[ ]*$",
    re.MULTILINE,
)


_YAML_BREAKS = re.compile("[\x85\u2028\u2029]")  # line breaks to YAML 1.1, not to str.split


# What YAML refuses (its printable set's complement) and the byte-order mark, as a short positive
# class: the negated class of the spec costs ~2.5 ms to compile, on every start.
_NOT_PRINTABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufeff\ufffe\uffff]"
)


def _fast_header(header: str) -> dict[str, str] | None:
    """The common header (`key: plain words` lines) without the YAML machinery.

    Returns exactly what the base loader returns for such a header, or None when any line is
    outside that subset (quotes, lists, nesting, comments, blank lines, ...): then YAML reads it.
    Checked against the YAML library by a property test; worth it because it is 5× faster.
    """
    if not header.strip() or _NOT_PRINTABLE.search(header) or _YAML_BREAKS.search(header):
        return None  # YAML refuses these characters, reads them as line breaks, or there is nothing
    matches = _PLAIN_LINE.findall(header)
    if len(matches) != header.count("\n") + 1:
        return None
    result: dict[str, str] = {}
    for key, double, single, plain in matches:
        if double or single:
            result[key] = double or single
            continue
        if ": " in plain or " #" in plain or plain.endswith(":") or "\r" in plain:
            return None
        result[key] = plain
    return result


def load_header(header: str) -> Any:
    """The front matter as the YAML base loader reads it (strings, lists, mappings).

    Raises HeaderError when YAML cannot read it, RecursionError when it is nested past
    MAX_DEPTH and ValueError when it holds over MAX_VALUES values. YAML is imported only for a
    header outside the fast subset: most commands never pay for it.
    """
    fast = _fast_header(header)
    if fast is not None:
        _check_size(fast)
        return fast
    import yaml

    # The base loader builds only strings, lists and mappings: no code, no YAML 1.1 surprises
    # (`no` stays "no", `12:30` stays "12:30"); with libyaml it is twice as fast as the safe one.
    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    try:
        meta = yaml.load(header, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise HeaderError(problem, None if mark is None else mark.line + 1) from exc
    _check_size(meta)  # every reader is kept from an alias bomb, not only the tickets'
    return meta


_CLOSING_LINE = re.compile(r"^(?:---|\.\.\.)[^\S\n]*$", re.MULTILINE)


def split_front_matter(text: str) -> tuple[str, str] | str:
    """(front matter, body), or the reason there is none.

    The front matter ends at the first line after the opening one that is `---` or `...`
    (trailing white space allowed)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    start = text.find("\n")
    if (text if start < 0 else text[:start]).rstrip() != "---":
        return "no front matter (the file must start with a '---' line)"
    closing = _CLOSING_LINE.search(text, start + 1) if start >= 0 else None
    if closing is None:
        return "front matter is not closed (no second '---' line)"
    pos, end = closing.start(), closing.end()
    return text[start + 1 : max(pos - 1, start + 1)], text[end + 1 :]


def _check_size(meta: Any) -> None:
    """Refuse front matter nested past MAX_DEPTH or holding more than MAX_VALUES values.

    Iterative, and it stops at the limit: a YAML alias bomb (a few hundred bytes whose aliases
    stand for billions of values) is refused after MAX_VALUES steps, never expanded. A flat
    mapping of text (the common header) is counted by its length, without the walk.
    """
    if isinstance(meta, dict) and all(type(value) is str for value in meta.values()):
        if 2 * len(meta) + 1 > MAX_VALUES:  # the mapping, each key and each value
            raise ValueError(f"front matter holds over {MAX_VALUES:,} values (YAML aliases?)")
        return
    stack: list[tuple[Any, int]] = [(meta, 0)]
    count = 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise ValueError(f"front matter holds over {MAX_VALUES:,} values (YAML aliases?)")
        if depth > MAX_DEPTH:
            raise RecursionError
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for pair in value.items() for item in pair)
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, bytes):
        return repr(value)
    return value


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return f"a {type(value).__name__}"


def _scalar(value: Any) -> str | None:
    """A YAML scalar as text (ids and names written as numbers still count)."""
    if type(value) is str:  # nearly always: the base loader reads every scalar as text
        return clean(value).strip()
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return clean(str(value)).strip()
    return None


def _created(value: Any) -> datetime | str:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return f"bad 'created': {clean(value)!r} is not an ISO 8601 date-time"
    else:
        return f"bad 'created': expected an ISO 8601 date-time, got {_describe(value)}"
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-01:00 is past the last UTC moment Python holds
        return f"bad 'created': {clean(str(value))!r} is out of range"
