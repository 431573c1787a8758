"""What every channel kind shares: the `Event` a channel is told, `SendError`, the headers every
send carries, and one bounded HTTP POST (`post`): the channel's timeout bounds the whole exchange
and at most ANSWER_CAP of an answer is read."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

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


def header_text(text: str, limit: int = 200) -> str:
    """A header value: HTTP headers carry Latin-1 at best; ntfy reads ASCII safely."""
    return text.encode("ascii", "replace").decode()[:limit]


def priority_of(event: Event) -> str:
    if event.state == "resolved":
        return "default"
    if event.kind == "incident":
        return "urgent" if event.tier >= 2 else "high"
    return "high" if event.tier >= 2 else "default"


SILENCE = "silence"  # an incident's silence, sent to Alertmanager channels only
ANSWER_CAP = 64 << 10  # bytes of a receiver's answer read; the rest is never fetched


def headers_for(channel: Notify, event: Event) -> dict[str, str]:
    """The headers of every HTTP send: its event's key (a receiver may drop a repeat) and the
    channel's bearer token."""
    headers = {"User-Agent": "sisyphus-room", "X-Sisyphus-Key": header_text(event.key, 500)}
    token = _token(channel)
    if channel.token_env and not token:
        raise SendError(f"${channel.token_env} is not set")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


@functools.cache
def _tls() -> Any:
    """httpx's own default TLS context, made once a process: each new client would load the CA
    certificates again (~27 ms of CPU a page)."""
    import httpx

    return httpx.create_ssl_context()


async def _exchange(url: str, headers: dict[str, str], body: bytes, timeout: float) -> Any:
    import httpx  # here: `status` reads the outbox without paying for httpx

    async with (
        httpx.AsyncClient(timeout=timeout, follow_redirects=False, verify=_tls()) as client,
        client.stream("POST", url, headers=headers, content=body) as response,
    ):
        read = 0
        async for chunk in response.aiter_raw():  # a huge answer is not held: ANSWER_CAP at most
            read += len(chunk)
            if read >= ANSWER_CAP:
                break
        return response


def post(channel: Notify, url: str, headers: dict[str, str], body: bytes) -> None:
    """POST once, bounded by the channel's timeout as a whole; raises SendError with a sentence
    (resolve, connect, send and the full answer: a receiver that drips or hangs is cut)."""
    import httpx

    timeout = channel.timeout.total_seconds()
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


@dataclass(frozen=True)
class ChannelKind:
    """One kind of channel: its name (as `kind =` in `[[notify]]`) and how it sends an event."""

    name: str
    send: Callable[[Notify, Event], None]  # raises SendError with a sentence
