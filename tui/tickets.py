"""One ticket file read into a value: `Ticket`, or `Malformed` with the reason (SPEC section 2)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from tui.sanitize import clean, clean_value

MAX_SIZE = 1024 * 1024
HEAD_BYTES = 16 * 1024
STATUSES = ("open", "done", "rejected", "needs_clarification", "blocked")
PRIORITIES = ("P0", "P1", "P2", "P3")
PRIORITY_NAMES = {"critical": "P0", "high": "P1", "medium": "P2", "low": "P3"}
KNOWN_KEYS = frozenset(
    {"id", "from", "to", "priority", "subject", "deliverable", "created", "status"}
    | {"in_reply_to", "project", "verify"}
)
IGNORED_SUFFIXES = (".tmp", ".part", ".swp", "~")

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    role: str
    path: str
    sender: str
    to: str
    priority: str
    status: str
    subject: str
    deliverable: str | None
    created: datetime
    in_reply_to: str | None = None
    project: str | None = None
    verify: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    created_from_mtime: bool = False

    @property
    def is_response(self) -> bool:
        return self.in_reply_to is not None


@dataclass(frozen=True, slots=True)
class Malformed:
    path: str
    role: str | None
    reason: str


def is_ticket_name(name: str) -> bool:
    """Files that are tickets: `*.md`, not hidden, not a temp name of a writer."""
    return name.endswith(".md") and not name.startswith(".") and not name.endswith(IGNORED_SUFFIXES)


def relative(root: Path, path: Path) -> str:
    try:
        return clean(path.relative_to(root).as_posix())
    except ValueError:
        return clean(path.as_posix())


def read_ticket(
    root: Path, path: Path, role: str, real_root: Path | None = None
) -> Ticket | Malformed | None:
    """Read one ticket file. Returns None when the file vanished while it was read."""
    rel = relative(root, path)
    try:
        if path.is_symlink():
            try:
                target = path.resolve(strict=True)
            except RuntimeError:
                return Malformed(rel, role, "symlink loop")
            except OSError as exc:
                if exc.errno == 40:  # ELOOP
                    return Malformed(rel, role, "symlink loop")
                return Malformed(rel, role, "symlink to a file that does not exist")
            base = real_root or root.resolve()
            if not target.is_relative_to(base):
                return Malformed(rel, role, "symlink leads outside the state root")
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return Malformed(rel, role, "not a regular file")
        if info.st_size > MAX_SIZE:
            return Malformed(rel, role, f"larger than 1 MiB ({info.st_size:,} bytes)")
        with open(path, "rb") as handle:
            data = handle.read(HEAD_BYTES)
            if len(data) == HEAD_BYTES and _closing_offset(data) is None:
                data += handle.read(MAX_SIZE + 1 - HEAD_BYTES)
    except FileNotFoundError:
        return None
    except PermissionError:
        return Malformed(rel, role, "unreadable (permission denied)")
    except OSError as exc:
        if exc.errno == 40:
            return Malformed(rel, role, "symlink loop")
        return Malformed(rel, role, f"unreadable ({clean(exc.strerror or str(exc))})")
    if len(data) > MAX_SIZE:
        return Malformed(rel, role, "larger than 1 MiB")
    return parse_ticket(data, rel=rel, role=role, stem=path.stem, mtime=info.st_mtime)


def _closing_offset(data: bytes) -> int | None:
    """Where the front matter's closing line ends, if it is in `data`."""
    if not data.startswith((b"---\n", b"---\r\n", b"\xef\xbb\xbf---")):
        return 0  # no front matter at all: nothing more to read for the header
    for marker in (b"\n---\n", b"\n---\r\n", b"\n...\n", b"\n---", b"\n..."):
        index = data.find(marker, 3)
        if index >= 0:
            return index + len(marker)
    return None


def split_front_matter(text: str) -> tuple[str, str] | str:
    """(front matter, body), or the reason there is none."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if lines[0].rstrip("\r").rstrip() != "---":
        return "no front matter (the file must start with a '---' line)"
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r").rstrip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :])
    return "front matter is not closed (no second '---' line)"


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return f"a {type(value).__name__}"


def _scalar(value: Any) -> str | None:
    """A YAML scalar as text (ids and names written as numbers still count)."""
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
    return moment.astimezone(UTC)


def normalize_status(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    status = value.strip().lower().replace("-", "_").replace(" ", "_")
    return status if status in STATUSES else None


def normalize_priority(value: Any) -> str | None:
    text = _scalar(value)
    if text is None:
        return None
    if text.upper() in PRIORITIES:
        return text.upper()
    return PRIORITY_NAMES.get(text.lower())


def _subject_from_body(body: str) -> str | None:
    for line in body.split("\n"):
        line = line.strip()
        if line:
            return clean(line.lstrip("#").strip() or line)
    return None


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


def parse_ticket(
    data: bytes, *, rel: str, role: str, stem: str, mtime: float
) -> Ticket | Malformed:
    """Parse a ticket's bytes (SPEC section 2, every default and warning of its table)."""
    if not data.strip():
        return Malformed(rel, role, "empty file")
    if b"\x00" in data:
        return Malformed(rel, role, "binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Malformed(
            rel, role, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        )
    parts = split_front_matter(text)
    if isinstance(parts, str):
        return Malformed(rel, role, parts)
    header, body = parts
    try:
        meta = yaml.load(header, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        return Malformed(rel, role, clean(f"bad YAML in the front matter: {problem}{where}"))
    except (ValueError, TypeError, OverflowError) as exc:
        return Malformed(rel, role, clean(f"bad YAML value in the front matter: {exc}"))
    if not isinstance(meta, dict):
        return Malformed(rel, role, f"front matter is {_describe(meta)}, not a mapping")

    warnings: list[str] = []
    sender = _scalar(meta.get("from"))
    if not sender:
        return Malformed(rel, role, "missing 'from' (the sending role)")
    status_raw = meta.get("status", "open")
    status = normalize_status(status_raw)
    if status is None:
        shown = clean(str(status_raw))
        return Malformed(rel, role, f"unknown status {shown!r} (expected {', '.join(STATUSES)})")
    from_mtime = "created" not in meta or meta.get("created") is None
    if from_mtime:
        created: datetime | str = datetime.fromtimestamp(mtime, UTC)
    else:
        created = _created(meta["created"])
    if isinstance(created, str):
        return Malformed(rel, role, created)

    ticket_id = _scalar(meta.get("id")) or clean(stem)
    to = _scalar(meta.get("to")) or role
    if to != role:
        warnings.append(f"addressed to '{to}' but sits in the inbox of '{role}'")
    priority = "P2"
    if meta.get("priority") is not None:
        normal = normalize_priority(meta["priority"])
        if normal is None:
            shown = clean(str(meta["priority"]))
            warnings.append(
                f"priority {shown!r} is not P0–P3 or critical/high/medium/low; counted as P2"
            )
        else:
            priority = normal
    subject = _scalar(meta.get("subject")) or _subject_from_body(body) or "(no subject)"
    deliverable = _scalar(meta.get("deliverable"))
    if not deliverable:
        deliverable = None
        warnings.append("no deliverable (the protocol asks every ticket for one)")
    extra = {
        clean(str(key)): clean_value(_jsonable(value))
        for key, value in meta.items()
        if key not in KNOWN_KEYS
    }
    verify = meta.get("verify")
    return Ticket(
        id=ticket_id,
        role=role,
        path=rel,
        sender=sender,
        to=to,
        priority=priority,
        status=status,
        subject=subject,
        deliverable=deliverable,
        created=created,
        in_reply_to=_scalar(meta.get("in_reply_to")) or None,
        project=_scalar(meta.get("project")) or None,
        verify=clean_value(_jsonable(verify)) if verify is not None else None,
        extra=extra,
        warnings=tuple(warnings),
        created_from_mtime=from_mtime,
    )


def read_body(path: Path) -> str:
    """The ticket's Markdown body for the detail view, sanitized (multi-line)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_SIZE)
    except OSError as exc:
        return clean(f"(cannot read the file: {exc.strerror or exc})")
    text = data.decode("utf-8", errors="replace")
    parts = split_front_matter(text)
    body = parts[1] if isinstance(parts, tuple) else text
    return clean(body, multiline=True)


def file_key(entry: os.DirEntry[str]) -> tuple[int, int, int] | None:
    """What identifies a file's version for the scan cache: (inode, size, mtime_ns)."""
    try:
        info = entry.stat()
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)
