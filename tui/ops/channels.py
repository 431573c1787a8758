"""How one notification leaves: the `Event` a channel is told, and one send of it per channel
kind (webhook, ntfy, Alertmanager, a command). A send is bounded as a whole by the channel's
timeout, reads at most ANSWER_CAP of an answer, and carries the event's key. Adding a channel
kind starts here (and its name in `tui/base/config.py`'s NOTIFY_KINDS).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tui.base.clock import iso, parse_iso
from tui.base.config import Notify
from tui.base.crash import describe
from tui.base.sanitize import clean


@dataclass(frozen=True)
class Event:
    """What a channel is told. `key` is stable across restarts: the same step has the same key."""

    kind: str  # stale | incident | freeze | delivery | channel
    id: str  # incident id, ticket id, "freeze", or the channel's name
    text: str
    at: str
    tier: int = 0
    state: str = "firing"  # firing | acknowledged | resolved
    site: str | None = None
    ticket: str | None = None
    slo: str | None = None
    about: str | None = None  # what makes this event one of its own: an episode, a failed key
    until: str | None = None  # a silence's end (kind "silence": only Alertmanager hears it)
    by: str | None = None  # who silenced it

    @property
    def key(self) -> str:
        base = f"{self.kind}:{self.id}:{self.tier}:{self.state}"
        return f"{base}:{self.about}" if self.about else base

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"key": self.key}  # receivers may drop a repeat by its key


def event_from(data: Any) -> Event:
    if not isinstance(data, dict):
        raise ValueError("an event is not a JSON object")
    fields: dict[str, Any] = {key: data.get(key) for key in Event.__dataclass_fields__}  # no "key"
    for key in ("kind", "id", "text", "at", "state"):
        if not isinstance(fields[key], str):
            raise ValueError(f"event {key} is not a string")
    if not isinstance(fields["tier"], int) or isinstance(fields["tier"], bool):
        raise ValueError("event tier is not a number")
    for key in ("site", "ticket", "slo", "about", "until", "by"):
        if fields[key] is not None and not isinstance(fields[key], str):
            raise ValueError(f"event {key} is not a string")
    return Event(**fields)


class SendError(Exception):
    """A channel refused or could not be reached; worded for the log (never holds a secret)."""


def _token(channel: Notify) -> str | None:
    return os.environ.get(channel.token_env) if channel.token_env else None


def _ascii(text: str, limit: int = 200) -> str:
    """A header value: HTTP headers carry Latin-1 at best; ntfy reads ASCII safely."""
    return text.encode("ascii", "replace").decode()[:limit]


def _priority(event: Event) -> str:
    if event.state == "resolved":
        return "default"
    if event.kind == "incident":
        return "urgent" if event.tier >= 2 else "high"
    return "high" if event.tier >= 2 else "default"


SILENCE = "silence"  # an incident's silence, sent to Alertmanager channels only
ANSWER_CAP = 64 << 10  # bytes of a receiver's answer read; the rest is never fetched


def _request(channel: Notify, event: Event) -> tuple[str, dict[str, str], bytes]:
    """The URL, headers and body of one send. Every send carries its event's key, so a receiver
    (or ntfy, by its sequence id) can drop a repeat."""
    assert channel.url is not None
    headers = {"User-Agent": "sisyphus-room", "X-Sisyphus-Key": _ascii(event.key, 500)}
    token = _token(channel)
    if channel.token_env and not token:
        raise SendError(f"${channel.token_env} is not set")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if channel.kind == "webhook":
        body = json.dumps(event.to_json(), ensure_ascii=False).encode()
        return channel.url, headers | {"Content-Type": "application/json"}, body
    if channel.kind == "ntfy":
        title = f"{event.kind} {event.id}" + (" resolved" if event.state == "resolved" else "")
        headers |= {
            "Title": _ascii(f"Sisyphus: {title}"),
            "Priority": _priority(event),
            "Tags": _ascii(",".join(filter(None, [event.kind, event.state, event.site]))),
            "X-Sequence-ID": hashlib.sha256(event.key.encode()).hexdigest()[:32],
        }
        return channel.url, headers, event.text.encode()
    if channel.kind == "alertmanager" and event.kind == SILENCE:
        body = json.dumps(silence_of(event), ensure_ascii=False).encode()
        url = channel.url.rstrip("/") + "/api/v2/silences"
        return url, headers | {"Content-Type": "application/json"}, body
    if channel.kind == "alertmanager":
        body = json.dumps([alert_of(event)], ensure_ascii=False).encode()
        url = channel.url.rstrip("/") + "/api/v2/alerts"
        return url, headers | {"Content-Type": "application/json"}, body
    raise SendError(f"unknown channel kind {channel.kind!r}")


async def _exchange(url: str, headers: dict[str, str], body: bytes, timeout: float) -> Any:
    import httpx  # here: `status` reads the outbox without paying for httpx

    async with (
        httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client,
        client.stream("POST", url, headers=headers, content=body) as response,
    ):
        read = 0
        async for chunk in response.aiter_raw():  # a huge answer is not held: ANSWER_CAP at most
            read += len(chunk)
            if read >= ANSWER_CAP:
                break
        return response


def send(channel: Notify, event: Event) -> None:
    """Send one event on one channel; raises SendError with a sentence on failure.

    The channel's timeout bounds the whole exchange (resolve, connect, send, the full answer): a
    receiver that drips its answer or hangs after the headers is cut at the deadline."""
    import httpx

    timeout = channel.timeout.total_seconds()
    if channel.kind == "command":
        _run(channel, event, timeout)
        return
    url, headers, body = _request(channel, event)
    loop = asyncio.new_event_loop()
    try:
        response = loop.run_until_complete(
            asyncio.wait_for(_exchange(url, headers, body, timeout), timeout)
        )
    except TimeoutError:
        raise SendError(f"no whole answer within {timeout:g}s") from None
    except httpx.HTTPError as exc:
        raise SendError(describe(exc)) from None
    except (OSError, ValueError) as exc:  # a malformed URL, a socket error outside httpx's words
        raise SendError(describe(exc)) from None
    finally:
        with contextlib.suppress(RuntimeError):
            loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()  # its resolver thread, if one hangs, is not waited for
    if response.status_code >= 300:
        reason = clean(str(response.reason_phrase or ""))[:60]
        raise SendError(f"answered {response.status_code} {reason}".rstrip())


def alert_of(event: Event) -> dict[str, Any]:
    """An Alertmanager v2 alert: stable labels, so grouping and silences work; endsAt on resolve."""
    labels = {
        "alertname": {
            "incident": "SisyphusIncident",
            "stale": "SisyphusStaleClarification",
            "freeze": "SisyphusDeployFreeze",
            "delivery": "SisyphusDeliveryNotLive",
            "channel": "SisyphusChannelFailing",
        }.get(event.kind, "Sisyphus"),
        "id": event.id,
        "severity": "page" if event.kind == "incident" else "ticket",
    }
    for key in ("site", "slo", "ticket"):
        value = getattr(event, key)
        if value:
            labels[key] = value
    alert: dict[str, Any] = {
        "labels": labels,
        "annotations": {"summary": event.text[:500], "tier": str(event.tier)},
    }
    # startsAt and endsAt on Alertmanager's clock (the wall clock, even in a --time-scale drill): now when
    # resolved; else an hour on, as the alert is re-sent at every rung (15 minutes apart at most),
    # so an incident whose watcher went quiet expires rather than pages for ever.
    now = datetime.now(UTC)
    try:  # never after its end (Alertmanager answers 400): a drill's clock runs ahead
        alert["startsAt"] = iso(min(parse_iso(event.at), now))
    except ValueError:
        alert["startsAt"] = iso(now)
    alert["endsAt"] = iso(now if event.state == "resolved" else now + timedelta(hours=1))
    return alert


def silence_of(event: Event) -> dict[str, Any]:
    """An Alertmanager v2 silence of one incident's alert (its `id` label) until the room's own
    ends: Alertmanager expires it then by itself."""
    now = datetime.now(UTC)
    return {
        "matchers": [{"name": "id", "value": event.id, "isRegex": False, "isEqual": True}],
        "startsAt": iso(now),
        "endsAt": event.until or iso(now + timedelta(minutes=1)),
        "createdBy": event.by or "sisyphus-room",
        "comment": event.text[:500] or "silenced from the Sisyphus room",
    }


def _run(channel: Notify, event: Event, timeout: float) -> None:
    from tui.base.shell import run_command

    assert channel.command is not None
    stdin = json.dumps(event.to_json(), ensure_ascii=False).encode() + b"\n"
    try:
        code, _, err = asyncio.run(run_command(channel.command, timeout, stdin=stdin))
    except OSError as exc:
        raise SendError(clean(f"cannot run the command: {exc.strerror or exc}")) from None
    if code is None:
        raise SendError(f"the command ran past {timeout:g}s and was stopped")
    if code != 0:
        said = (
            clean(err.decode("utf-8", "replace").strip().splitlines()[-1:][0][:200]) if err else ""
        )
        raise SendError(f"the command exited {code}" + (f": {said}" if said else ""))
