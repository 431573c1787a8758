"""Deliveries: "done" is not live until the room has seen it live.

A *delivery* is a ticket marked `done` (a `done` response, or a ticket whose own status is `done`)
whose request carries `verify`: on the done ticket itself, or on the original it answers, found by
id in an inbox or anywhere in the archive. Every probe round checks each delivery younger than
`[room] verify_window` from the outside: the status (`status`, default 200) and the text
(`contains`, read from at most the first 1 MiB).

`DeliveryBook` keeps, in `.room/deliveries.json`, every delivery seen and the verdict of its last
check, so a done ticket that an agent archives is still checked until its window ends, and a
reading room or `status` shows what the writer last saw. A done ticket whose request has a
`deliverable` but no `verify` is *done, unverified*: counted, not an alarm (unless
`[room] require_verify`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tui.base.clock import iso, parse_iso
from tui.base.config_reading import is_http_url
from tui.base.durations import format_duration
from tui.base.paths import NotAFile, read_file, write_if_changed
from tui.base.sanitize import clean, redact_url, shorten
from tui.bus.scanner import find_archived, find_archived_many
from tui.bus.tickets import Ticket, read_ticket

FILE = "deliveries.json"
BODY_LIMIT = 1 << 20  # `contains` is looked for in the first MiB
TIMEOUT = 10.0
MAX_KEPT = 2000


@dataclass(frozen=True)
class Delivery:
    """One done ticket to check, and what its last check said."""

    ticket: str  # the done ticket's id
    role: str  # the inbox it was found in
    path: str  # where it was last seen, relative to the state root
    url: str
    status: int
    contains: str | None
    done_at: str  # ISO: when it was marked done (the done ticket's `created`)
    request: str | None = None  # the original's id, when `verify` came from it
    ok: bool | None = None  # None until checked
    detail: str = "not checked yet"
    checked_at: str | None = None
    failing_since: str | None = None  # the first failed check of the current failure
    live_once: bool = False  # was live at some check (a later failure is a rollback)

    @property
    def key(self) -> str:
        return f"{self.ticket}|{self.url}"

    @property
    def shown_url(self) -> str:
        """The URL as shown and logged: credentials in it (`user:password@`) redacted."""
        return redact_url(self.url)

    def to_json(self) -> dict[str, Any]:
        """The snapshot's `deliveries[]` entry."""
        return {
            "ticket": self.ticket,
            "role": self.role,
            "url": self.shown_url,
            "ok": self.ok,
            "detail": self.detail,
            "done_at": self.done_at,
            "checked_at": self.checked_at,
            "request": self.request,
            "status": self.status,
            "contains": self.contains,
            "failing_since": self.failing_since,
            "live_once": self.live_once,
        }


def delivery_from(data: Any) -> Delivery:
    """A stored delivery, validated (a damaged record raises ValueError)."""
    if not isinstance(data, dict):
        raise ValueError("not an object")
    fields: dict[str, Any] = {name: data.get(name) for name in Delivery.__dataclass_fields__}
    for name in ("ticket", "role", "path", "url", "done_at", "detail"):
        if not isinstance(fields[name], str):
            raise ValueError(f"{name} is not text")
    if not isinstance(fields["status"], int) or not 100 <= fields["status"] <= 599:
        raise ValueError("status is not an HTTP status")
    for name in ("contains", "request", "checked_at", "failing_since"):
        if fields[name] is not None and not isinstance(fields[name], str):
            raise ValueError(f"{name} is not text")
    if fields["ok"] not in (None, True, False) or not isinstance(fields["live_once"], bool):
        raise ValueError("ok or live_once is not a boolean")
    for name in ("done_at", "checked_at", "failing_since"):
        if fields[name] is not None:
            parse_iso(fields[name])
    return Delivery(**fields)


def verify_of(value: Any) -> tuple[str, int, str | None] | None:
    """(url, status, contains) of a ticket's normalized `verify`, or None when it has none usable."""
    if not isinstance(value, dict) or not isinstance(value.get("url"), str):
        return None
    url = value["url"].strip()
    if not is_http_url(url):
        return None
    status = value.get("status", 200)
    contains = value.get("contains")
    return url, status if isinstance(status, int) else 200, contains or None


class DeliveryBook:
    """The deliveries of one state root: learned from the bus, checked, kept on disk."""

    def __init__(self, root: Path, folder: Path, *, read_only: bool) -> None:
        self.root, self.path, self.read_only = root, folder / FILE, read_only
        self.items: dict[str, Delivery] = {}
        self.unverified: list[str] = []  # done tickets with a deliverable and no verify
        self.notes: list[str] = []
        self._originals: dict[str, Ticket | None] = {}  # request id → the archived original
        self.over = 0  # deliveries past MAX_KEPT at the last learn: the oldest, not checked
        self._lock = threading.Lock()
        self.load()

    # ------------------------------------------------------------------ on disk

    def load(self) -> None:
        try:
            data = json.loads(read_file(self.path, 16 << 20))
        except FileNotFoundError:
            return
        except (OSError, NotAFile, ValueError) as exc:
            self.notes.append(clean(f"{FILE}: unreadable ({exc}); deliveries start over"))
            return
        items, unverified = {}, []
        if isinstance(data, dict):
            skipped = 0
            for raw in (
                data.get("deliveries", []) if isinstance(data.get("deliveries"), list) else []
            ):
                try:
                    delivery = delivery_from(raw)
                except (ValueError, TypeError):
                    skipped += 1
                    continue
                items[delivery.key] = delivery
            if skipped:
                self.notes.append(f"{FILE}: {skipped} damaged record(s) skipped")
            raw_unverified = data.get("unverified", [])
            if isinstance(raw_unverified, list):
                unverified = [u for u in raw_unverified if isinstance(u, str)][:MAX_KEPT]
        with self._lock:
            self.items, self.unverified = items, unverified

    def save(self) -> None:
        if self.read_only:
            return
        with self._lock:
            data = {
                "deliveries": [asdict(d) for d in self.items.values()],
                "unverified": self.unverified,
            }
        write_if_changed(self.path, json.dumps(data, ensure_ascii=False).encode())

    # ------------------------------------------------------------------ from the bus

    def learn(self, tickets: Iterable[Ticket], window: timedelta, now: datetime) -> None:
        """Every done ticket of the inboxes: a delivery (with verify) or done, unverified.

        Deliveries already known keep their verdicts; those past the window are dropped.
        """
        tickets = list(tickets)
        by_id = {t.id: t for t in tickets}
        missing = {
            t.in_reply_to
            for t in tickets
            if t.status == "done"
            and t.in_reply_to
            and t.in_reply_to not in by_id
            and t.in_reply_to not in self._originals
            and now - t.created <= window
        }
        if missing:  # one walk of the archive for every original not seen yet
            paths = find_archived_many(self.root / "tickets" / "archive", missing)
            for ticket_id in missing:
                self._originals[ticket_id] = self._read_archived(paths.get(ticket_id), ticket_id)
        found: dict[str, Delivery] = {}
        unverified: list[str] = []
        for ticket in tickets:
            if ticket.status != "done" or now - ticket.created > window:
                continue
            request = self._request(ticket, by_id)
            verify = verify_of(ticket.verify)
            request_id = None
            if verify is None and request is not None:
                verify, request_id = verify_of(request.verify), request.id
            if verify is None:
                if ticket.deliverable or (request is not None and request.deliverable):
                    unverified.append(ticket.id)
                continue
            url, status, contains = verify
            delivery = Delivery(
                ticket.id,
                ticket.role,
                ticket.path,
                url,
                status,
                contains,
                iso(ticket.created) or "",
                request_id,
            )
            found[delivery.key] = delivery
        with self._lock:
            kept = {}
            for key, old in self.items.items():
                if now - parse_iso(old.done_at) > window:
                    continue  # its window has ended
                if key in found:
                    new = found.pop(key)
                    kept[key] = replace(old, role=new.role, path=new.path, request=new.request)
                else:
                    kept[key] = old  # archived since: still checked until its window ends
            kept.update(found)
            self.over = max(0, len(kept) - MAX_KEPT)  # said by the round, never silently
            if self.over:
                kept = dict(sorted(kept.items(), key=lambda kv: kv[1].done_at)[-MAX_KEPT:])
            self.items = kept
            self.unverified = sorted(set(unverified))[:MAX_KEPT]

    def _request(self, ticket: Ticket, by_id: dict[str, Ticket]) -> Ticket | None:
        """The ticket a done response answers: in an inbox, else in the archive (cached)."""
        if not ticket.in_reply_to:
            return None
        if ticket.in_reply_to in by_id:
            return by_id[ticket.in_reply_to]
        if ticket.in_reply_to not in self._originals:
            self._originals[ticket.in_reply_to] = self._archived(ticket.in_reply_to)
        return self._originals[ticket.in_reply_to]

    def _archived(self, ticket_id: str) -> Ticket | None:
        return self._read_archived(
            find_archived(self.root / "tickets" / "archive", ticket_id), ticket_id
        )

    def _read_archived(self, path: Path | None, ticket_id: str) -> Ticket | None:
        if path is None:
            return None
        found = read_ticket(self.root, path, "archive")
        return found if isinstance(found, Ticket) and found.id == ticket_id else None

    # ------------------------------------------------------------------ checks

    def all(self) -> list[Delivery]:
        with self._lock:
            return sorted(self.items.values(), key=lambda d: (d.done_at, d.ticket), reverse=True)

    def record(self, verdicts: dict[str, tuple[bool, str]], now: datetime) -> list[Delivery]:
        """Store the verdicts of one round; returns the deliveries that turned (or started) not
        live in it, each once per failure (a rollback after being live is a new failure)."""
        turned = []
        with self._lock:
            for key, (ok, detail) in verdicts.items():
                old = self.items.get(key)
                if old is None:
                    continue
                failing_since = None if ok else (old.failing_since or iso(now))
                new = replace(
                    old,
                    ok=ok,
                    detail=detail,
                    checked_at=iso(now),
                    failing_since=failing_since,
                    live_once=old.live_once or ok,
                )
                self.items[key] = new
                if not ok and old.failing_since is None:
                    turned.append(new)
        return turned


async def check_url(client: Any, url: str, status: int, contains: str | None) -> tuple[bool, str]:
    """GET `url` from the outside (redirects followed): (live, a sentence)."""
    from tui.ops.failures import failure_reason

    try:
        async with client.stream("GET", url) as response:
            reason = shorten(clean(str(response.reason_phrase or "")), 60)  # a server's words
            said = f"{response.status_code} {reason}".strip()
            if response.status_code != status:
                return False, f"answers {said} (expected {status})"
            if contains is None:
                return True, f"answers {said}"
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) >= BODY_LIMIT:
                    break
            text = bytes(body[:BODY_LIMIT]).decode(response.encoding or "utf-8", "replace")
            if contains in text:
                return True, f"answers {said} with {shorten(contains, 40)!r}"
            where = "the first MiB" if len(body) >= BODY_LIMIT else "the page"
            return False, f"answers {said} but {shorten(contains, 40)!r} is not in {where}"
    except Exception as exc:
        reason = failure_reason(exc)
        host = urlsplit(url).hostname or ""
        if reason == "host name does not resolve" or "[Errno -2]" in reason or "-3]" in reason:
            return False, f"{host} does not resolve"
        return False, reason


def not_live(deliveries: Iterable[Delivery]) -> list[Delivery]:
    return [d for d in deliveries if d.ok is False]


def sentence(delivery: Delivery, now: datetime) -> str:
    """`T-0042 marked done 3h ago, not live: https://… answers 503`."""
    done = format_duration(now - parse_iso(delivery.done_at))
    return f"{delivery.ticket} marked done {done} ago, not live: {delivery.shown_url} {delivery.detail}"


class DeliveryWatch:
    """When a delivery that is not live is announced: at once, 5 minutes later, then every 15
    (the stale ladder), from the first failed check; a rollback after being live starts again."""

    def __init__(self) -> None:
        from tui.base.ladder import STALE_LADDER, Announcer

        self.announcer = Announcer(STALE_LADDER)

    def step(self, deliveries: Iterable[Delivery], now: datetime) -> list[tuple[Delivery, int]]:
        """(delivery, rung) of each not-live delivery due an announcement now."""
        failing = {
            f"{d.key}|{d.failing_since}": (parse_iso(d.failing_since), d)
            for d in deliveries
            if d.ok is False and d.failing_since
        }
        due = self.announcer.due({key: start for key, (start, _) in failing.items()}, now)
        return [(failing[str(key)][1], self.announcer.reached[key]) for key in due]
