"""One HTTP/1.1 GET for a probe: asyncio's streams and h11, redirects followed, headers only.

A probe needs the status line, a redirect's `Location` and, for https, the certificate; never a
body, a pool, cookies or HTTP/2. Spoken through h11 (the HTTP/1.1 state machine httpx itself
uses) on asyncio's own streams, a round of 500 sites costs about a third of the CPU it cost
through httpx, and the latency recorded is the site's, not the wait for the round's other
coroutines (`python -m bench versus_curl`: the room beside curl on one nginx). Deliveries and the
notification channels, which read bodies and post JSON, keep httpx.

Failures are the standard ones (`ConnectionRefusedError`, `ssl.SSLCertVerificationError`,
`socket.gaierror`, `TimeoutError` from the caller's deadline) or those below; `probes.
failure_reason` words them. `where[0]` is the URL in flight (a redirect's target once it is
followed), so a failure after a redirect says where it happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import h11

MAX_REDIRECTS = 20  # as httpx
REDIRECTS = frozenset({301, 302, 303, 307, 308})
READ_SIZE = 64 * 1024
USER_AGENT = b"sisyphus-room probe"


class ClosedEarly(Exception):
    """The connection closed, or the answer was not HTTP, before a status line came."""


class ReadBroken(OSError):
    """The connection broke while the answer was read."""


class TooManyRedirects(Exception):
    def __init__(self) -> None:
        super().__init__("Exceeded maximum allowed redirects.")


class UnsupportedProtocol(Exception):
    pass


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    latency_ms: float  # from the first connection's start to the last status line
    ssl_object: ssl.SSLObject | None  # the last hop's TLS session (https)


async def get(url: str, tls: ssl.SSLContext, where: list[str]) -> Answer:
    """GET `url` and follow redirects; `where[0]` is kept at the URL in flight."""
    start = time.perf_counter()
    for _ in range(MAX_REDIRECTS + 1):
        where[0] = url
        status, reason, location, ssl_object, at = await _exchange(url, tls)
        if status not in REDIRECTS or location is None:
            return Answer(status, reason, (at - start) * 1000, ssl_object)
        url = urljoin(url, location)
    raise TooManyRedirects


Heard = tuple[int, str, str | None, ssl.SSLObject | None, float]  # …, when the status line came


class _Exchange(asyncio.Protocol):
    """One request and its status line, in the transport's own callbacks: the request is sent
    when the connection is made and the answer parsed as its bytes arrive, so the time taken is
    when they came, not when a coroutine got its turn in the loop."""

    def __init__(
        self, connection: h11.Connection, request: bytes, heard: asyncio.Future[Heard]
    ) -> None:
        self.connection, self.request, self.heard = connection, request, heard
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        at = time.perf_counter()
        if self.heard.done():
            return
        self.connection.receive_data(data)
        try:
            while True:
                event = self.connection.next_event()
                if event is h11.NEED_DATA:
                    return
                if isinstance(event, h11.Response):
                    location = next((v for k, v in event.headers if k == b"location"), None)
                    ssl_object = (
                        self.transport.get_extra_info("ssl_object") if self.transport else None
                    )
                    self.heard.set_result(
                        (
                            event.status_code,
                            event.reason.decode("latin-1"),
                            location.decode("latin-1") if location is not None else None,
                            ssl_object,
                            at,
                        )
                    )
                    return
                if isinstance(event, h11.ConnectionClosed):
                    raise ClosedEarly("closed before a status line")
                # an informational response (1xx): the real one follows
        except (h11.RemoteProtocolError, ClosedEarly) as exc:
            self.heard.set_exception(ClosedEarly(str(exc)))

    def eof_received(self) -> bool:
        self.data_received(b"")  # h11 says whether the answer was whole
        if not self.heard.done():
            self.heard.set_exception(ClosedEarly("closed before a status line"))
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.heard.done():
            if isinstance(exc, ConnectionResetError | ssl.SSLError) or exc is None:
                self.heard.set_exception(exc or ClosedEarly("closed before a status line"))
            else:
                self.heard.set_exception(ReadBroken(getattr(exc, "errno", None), str(exc)))


async def _exchange(url: str, tls: ssl.SSLContext) -> Heard:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsupportedProtocol(f"Request URL has an unsupported protocol '{parts.scheme}://'.")
    host = parts.hostname or ""
    with contextlib.suppress(UnicodeError):  # the resolver says what is wrong with it
        host = host.encode("idna").decode("ascii")
    secure = parts.scheme == "https"
    shown_host = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        shown_host += f":{parts.port}"
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = h11.Connection(h11.CLIENT)
    data = request.send(
        h11.Request(
            method="GET",
            target=target.encode("ascii", "backslashreplace"),
            headers=[
                (b"host", shown_host.encode("ascii")),
                (b"user-agent", USER_AGENT),
                (b"accept", b"*/*"),
                (b"connection", b"close"),
            ],
        )
    ) + (request.send(h11.EndOfMessage()) or b"")
    loop = asyncio.get_running_loop()
    heard: asyncio.Future[Heard] = loop.create_future()
    transport, _ = await loop.create_connection(
        lambda: _Exchange(request, data, heard),
        host,
        parts.port or (443 if secure else 80),
        ssl=tls if secure else None,
        server_hostname=host if secure else None,
    )
    try:
        return await heard
    finally:
        transport.abort()  # headers are all a probe reads: no lingering close
