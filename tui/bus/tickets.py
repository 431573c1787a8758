"""One ticket file read into a value: `Ticket`, or `Malformed` with the reason (SPEC section 2)."""

from __future__ import annotations

import dataclasses
import errno
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.base.paths import read_file
from tui.base.sanitize import clean, clean_value
from tui.bus.front_matter import (
    HeaderError,
    _closing_offset,
    _created,
    _describe,
    _jsonable,
    _scalar,
    load_header,
    split_front_matter,
)

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
    file: str | None = None  # the path on disk when `path` (cleaned for the screen) differs
    persona: str | None = None  # `from: architect (Cybersecurity)`: role architect, this persona

    @property
    def shown_sender(self) -> str:
        """The sending role, with its persona when it has one: `architect (Cybersecurity)`."""
        return f"{self.sender} ({self.persona})" if self.persona else self.sender

    @property
    def is_response(self) -> bool:
        return self.in_reply_to is not None


@dataclass(frozen=True, slots=True)
class Malformed:
    path: str
    role: str | None
    reason: str


PERSONA = re.compile(r"(?P<role>.*?)\s*\((?P<persona>[^()]*)\)\s*", re.S)


def split_sender(text: str) -> tuple[str, str | None]:
    """`architect (Cybersecurity)` → ("architect", "Cybersecurity"): the persona is the text in
    the last parentheses, trimmed (SPEC section 7); replies go to the role."""
    found = PERSONA.fullmatch(text)
    if found is None or not found["role"].strip():
        return text, None
    return found["role"].strip(), found["persona"].strip() or None


def is_ticket_name(name: str) -> bool:
    """Files that are tickets: `*.md`, not hidden, not a temp name of a writer."""
    return name.endswith(".md") and not name.startswith(".") and not name.endswith(IGNORED_SUFFIXES)


def relative(root: Path, path: Path) -> str:
    try:
        return clean(path.relative_to(root).as_posix())
    except ValueError:
        return clean(path.as_posix())


def read_ticket(
    root: Path,
    path: Path | str,
    role: str,
    real_root: Path | None = None,
    rel: str | None = None,
    entry: os.DirEntry[str] | None = None,
) -> Ticket | Malformed | None:
    """Read one ticket file. Returns None when the file vanished while it was read.

    With the scandir `entry`, its cached type and stat are used: fewer system calls per file.
    """
    name = os.fspath(path)
    if rel is None:
        rel = relative(root, Path(name))
    try:
        is_link = entry.is_symlink() if entry is not None else os.path.islink(name)
        if is_link:
            problem = _link_problem(name, real_root or root.resolve())
            if problem:
                return Malformed(rel, role, problem)
        info = entry.stat() if entry is not None else os.stat(name)
        if not stat.S_ISREG(info.st_mode):
            return Malformed(rel, role, "not a regular file")
        if info.st_size > MAX_SIZE:
            return Malformed(rel, role, f"larger than 1 MiB ({info.st_size:,} bytes)")
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK)
        try:
            data = os.read(fd, HEAD_BYTES)
            head_only = len(data) == HEAD_BYTES
            if head_only and _closing_offset(data) is None:
                head_only = False
                while chunk := os.read(fd, MAX_SIZE + 1 - len(data)):
                    data += chunk
                    if len(data) > MAX_SIZE:
                        break
        finally:
            os.close(fd)
    except FileNotFoundError:
        return None
    except PermissionError:
        return Malformed(rel, role, "unreadable (permission denied)")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Malformed(rel, role, "symlink loop")
        return Malformed(rel, role, f"unreadable ({clean(exc.strerror or str(exc))})")
    if len(data) > MAX_SIZE:
        return Malformed(rel, role, "larger than 1 MiB")
    stem = os.path.basename(name)[:-3]
    parsed = parse_ticket(
        data, rel=rel, role=role, stem=stem, mtime=info.st_mtime, head_only=head_only
    )
    if isinstance(parsed, Ticket) and not rel.endswith("/" + os.path.basename(name)):
        # A tab, an escape or a zero-width joiner in the name: shown cleaned, acted on as it is.
        parsed = dataclasses.replace(parsed, file=os.path.relpath(name, root))
    return parsed


def _link_problem(name: str, real_root: Path) -> str | None:
    """Why a symlinked ticket may not be read, or None when it stays inside the state root."""
    try:
        target = Path(name).resolve(strict=True)
    except RuntimeError:
        return "symlink loop"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop"
        if isinstance(exc, FileNotFoundError):
            return "symlink to a file that does not exist"
        raise
    if not target.is_relative_to(real_root):
        return "symlink leads outside the state root"
    return None


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


def maintenance_of(value: Any) -> tuple[tuple[str, ...], datetime, datetime] | str:
    """A ticket's `maintenance: {sites, from, until}` as (sites, start, end), or why it is not
    one (the ticket then carries a warning, and opens no window)."""
    if not isinstance(value, dict):
        return "expected sites, from and until under it"
    sites = value.get("sites")
    if isinstance(sites, str):
        sites = [sites]
    if not isinstance(sites, list) or not sites or not all(isinstance(s, str) for s in sites):
        return "'sites' must name one site or more"
    start, end = _created(value.get("from", "")), _created(value.get("until", ""))
    if isinstance(start, str) or isinstance(end, str):
        return "'from' and 'until' must be ISO 8601 date-times"
    if end <= start:
        return "'until' must come after 'from'"
    return tuple(sites), start, end


def _verify(value: Any, warnings: list[str]) -> dict[str, Any] | None:
    """`verify`: a URL, or {url, status, contains}; normalized to the mapping form."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = {"url": value}
    if not isinstance(value, dict) or not isinstance(value.get("url"), str):
        warnings.append("'verify' is neither a URL nor {url, status, contains}; ignored")
        return None
    result: dict[str, Any] = {"url": clean(value["url"])}
    status = value.get("status")
    if isinstance(status, str) and status.isascii() and status.isdigit() and len(status) == 3:
        result["status"] = int(status)
    elif status is not None:
        warnings.append(f"'verify.status' {clean(str(status))!r} is not an HTTP status; ignored")
    if isinstance(value.get("contains"), str):
        result["contains"] = clean(value["contains"])
    return result


def parse_ticket(
    data: bytes, *, rel: str, role: str, stem: str, mtime: float, head_only: bool = False
) -> Ticket | Malformed:
    """Parse a ticket's bytes (SPEC section 2, every default and warning of its table)."""
    if not data.strip():
        return Malformed(rel, role, "empty file")
    if b"\x00" in data:
        return Malformed(rel, role, "binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if head_only and exc.reason == "unexpected end of data":  # cut at HEAD_BYTES, not bad
            text = data[: exc.start].decode("utf-8")
        else:
            return Malformed(
                rel, role, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
            )
    parts = split_front_matter(text)
    if isinstance(parts, str):
        return Malformed(rel, role, parts)
    header, body = parts
    try:
        meta = load_header(header)
    except RecursionError:
        return Malformed(rel, role, "front matter nested too deep")
    except HeaderError as exc:
        where = f" at line {exc.line + 1}" if exc.line is not None else ""  # the file's line
        return Malformed(rel, role, clean(f"bad YAML in the front matter: {exc.problem}{where}"))
    except (ValueError, TypeError, OverflowError) as exc:
        return Malformed(rel, role, clean(f"bad YAML value in the front matter: {exc}"))
    if not isinstance(meta, dict):
        return Malformed(rel, role, f"front matter is {_describe(meta)}, not a mapping")

    warnings: list[str] = []
    sender, persona = split_sender(_scalar(meta.get("from")) or "")
    if not sender:
        return Malformed(rel, role, "missing 'from' (the sending role)")
    status_raw = meta.get("status", "open")
    status = normalize_status(status_raw)
    if status is None:
        shown = clean(str(status_raw))
        return Malformed(rel, role, f"unknown status {shown!r} (expected {', '.join(STATUSES)})")
    from_mtime = meta.get("created") in (None, "")
    if from_mtime:
        try:
            created: datetime | str = datetime.fromtimestamp(mtime, UTC)
        except (ValueError, OverflowError, OSError):
            created = "no 'created', and the file's modification time is out of range"
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
    verify = _verify(meta.get("verify"), warnings)
    if meta.get("maintenance") is not None:
        window = maintenance_of(extra.get("maintenance"))
        if isinstance(window, str):
            warnings.append(f"maintenance ignored: {window}")
    severity = str(extra.get("severity", "")).lower()
    if severity in ("critical", "high") and str(extra.get("exposure", "")).lower() != "verified":
        warnings.append(f"unverified: a {severity} finding whose exposure is not verified")
    return Ticket(
        id=ticket_id,
        role=role,
        path=rel,
        sender=sender,
        persona=persona,
        to=to,
        priority=priority,
        status=status,
        subject=subject,
        deliverable=deliverable,
        created=created,
        in_reply_to=_scalar(meta.get("in_reply_to")) or None,
        project=_scalar(meta.get("project")) or None,
        verify=verify,
        extra=extra,
        warnings=tuple(warnings),
        created_from_mtime=from_mtime,
    )


def read_body(root: Path, path: Path) -> str:
    """The ticket's Markdown body for the detail view, sanitized (multi-line).

    A link is followed only when it stays inside the state root; a FIFO or device is not read.
    """
    try:
        target = path.resolve(strict=True)
        if not target.is_relative_to(root.resolve()):
            return "(not shown: a link that leads outside the state folder)"
        data = read_file(target, MAX_SIZE)
    except (OSError, ValueError, RuntimeError) as exc:  # RuntimeError: a link loop
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return clean(f"(cannot read the file: {reason})")
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
