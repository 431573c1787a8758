"""Real servers on 127.0.0.1 for the probe tests and benchmarks: HTTP, HTTPS with a test CA, DNS."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import dns.message
import dns.rcode
import dns.rrset


class Handler(BaseHTTPRequestHandler):
    """Paths choose the behaviour: /ok, /fail (503), /slow (sleeps), /close (drops), /reset
    (resets), /redirect."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path.startswith("/slow"):
            time.sleep(float(self.path.rsplit("/", 1)[-1]) if self.path.count("/") > 1 else 2.0)
        if self.path.startswith("/reset"):  # RST instead of FIN: "connection reset by peer"
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        if self.path.startswith("/close"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if self.path.startswith("/redirect"):
            self.send_response(302)
            port = self.path.removeprefix("/redirect-to/")  # /redirect-to/<port>: elsewhere
            self.send_header("Location", f"http://127.0.0.1:{port}/" if port.isdigit() else "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status = 503 if self.path.startswith("/fail") else 200
        body = b"ok\n" if status == 200 else b"unavailable\n"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up (timeouts) are part of the tests


@contextmanager
def serving(
    handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext | None = None
) -> Iterator[int]:
    """A QuietServer on 127.0.0.1 with `handler`, in a thread; yields its port."""
    server = QuietServer(("127.0.0.1", 0), handler)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def http_server(context: ssl.SSLContext | None = None) -> Iterator[int]:
    with serving(Handler, context) as port:
        yield port


def signed_certificates(tmp: Path) -> dict[str, Any]:
    """Certificates signed by a test CA (written to tmp/ca.pem for `ca_file`): `valid`, `soon`
    (3 days left), `wronghost` and `expired`, for localhost and 127.0.0.1."""
    import trustme

    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp / "ca.pem"))
    now = dt.datetime.now(dt.UTC)
    return {
        "valid": ca.issue_cert("localhost", "127.0.0.1", not_after=now + dt.timedelta(days=90)),
        "soon": ca.issue_cert(
            "localhost", "127.0.0.1", not_after=now + dt.timedelta(days=3, hours=1)
        ),
        "wronghost": ca.issue_cert("other.example", not_after=now + dt.timedelta(days=90)),
        "expired": ca.issue_cert(
            "localhost",
            "127.0.0.1",
            not_before=now - dt.timedelta(days=30),
            not_after=now - dt.timedelta(days=2),
        ),
    }


@contextmanager
def tls_servers(tmp: Path) -> Iterator[dict[str, int]]:
    """HTTPS servers signed by a test CA: valid, ending in 3 days, for another host, expired.

    The CA is written to tmp/ca.pem for `ca_file`.
    """
    certs = signed_certificates(tmp)
    ports: dict[str, int] = {}
    with _stack() as stack:
        for name, cert in certs.items():
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            cert.configure_cert(context)
            ports[name] = stack.enter_context(http_server(context))
        yield ports


@contextmanager
def _stack() -> Iterator[object]:
    from contextlib import ExitStack

    with ExitStack() as stack:
        yield stack


class DnsResponder:
    """A small authoritative DNS server on UDP 127.0.0.1: NS and A from a table, NXDOMAIN
    for unknown names, silence for names listed in `silent` (for timeouts), and a chosen error
    code for names in `rcodes`."""

    def __init__(
        self,
        records: dict[tuple[str, str], list[str]],
        silent: set[str] | None = None,
        rcodes: dict[str, str] | None = None,
    ) -> None:
        self.rcodes = {name: dns.rcode.from_text(code) for name, code in (rcodes or {}).items()}
        self.records = {
            (name.lower().rstrip("."), kind): values for (name, kind), values in records.items()
        }
        self.silent = {name.lower().rstrip(".") for name in silent or set()}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._running = True

    def __enter__(self) -> DnsResponder:
        self._thread.start()
        return self

    def __exit__(self, *args: object) -> None:
        self._running = False
        self.sock.close()

    def _serve(self) -> None:
        while self._running:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            try:
                query = dns.message.from_wire(data)
            except Exception:
                continue
            question = query.question[0]
            name = question.name.to_text().lower().rstrip(".")
            kind = dns.rdatatype.to_text(question.rdtype)
            if name in self.silent:
                continue
            response = dns.message.make_response(query)
            response.flags |= dns.flags.AA
            known = {n for n, _ in self.records}
            if name in self.rcodes:  # SERVFAIL, REFUSED: what a broken or closed server says
                response.set_rcode(self.rcodes[name])
            elif name not in known:
                response.set_rcode(dns.rcode.NXDOMAIN)
            else:
                values = self.records.get((name, kind), [])
                if values:
                    response.answer.append(
                        dns.rrset.from_text_list(question.name, 300, "IN", kind, values)
                    )
            try:
                self.sock.sendto(response.to_wire(), peer)
            except OSError:
                return


@contextmanager
def silent_listener() -> Iterator[int]:
    """A port that accepts connections (the kernel completes the handshake) and never answers:
    a site that hangs."""
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


class Switch:
    """A site whose answer is switched by the test: `up` answers 200, otherwise 503."""

    def __init__(self) -> None:
        self.up = False


@contextmanager
def switch_server(switch: Switch) -> Iterator[int]:
    class SwitchHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            status = 200 if switch.up else 503
            body = b"ok\n" if switch.up else b"unavailable\n"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with serving(SwitchHandler) as port:
        yield port


class Recorder:
    """What a notification receiver was sent: (path, headers, body) per request, waited on."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.arrived: list[float] = []  # wall-clock time of each, for the benchmark
        self.changed = threading.Condition()
        self.status = 200

    def wait_for(self, test: Any, timeout: float = 20.0) -> Any:
        """Wait until `test(received)` is truthy; returns it (fails the test on time-out)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not (found := test(list(self.received))):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"not received in {timeout}s: {self.received!r}")
                self.changed.wait(left)
            return found


@contextmanager
def recording_server(recorder: Recorder) -> Iterator[int]:
    class RecordingHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            self.send_response(recorder.status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            if recorder.status < 300:
                with recorder.changed:
                    recorder.received.append((self.path, dict(self.headers), body))
                    recorder.arrived.append(time.time())
                    recorder.changed.notify_all()

        def log_message(self, *args: object) -> None:
            pass

    with serving(RecordingHandler) as port:
        yield port


class Faulty:
    """A notification receiver that misbehaves as `mode` says, counting what it sent back:
    hang (reads the request, never answers), drip (headers, then a byte every 5 s), slow (200
    after 30 s), reset (RST), error (500), redirect (302 elsewhere), huge (an endless body)."""

    MODES = ("hang", "drip", "slow", "reset", "error", "redirect", "huge")

    def __init__(self, mode: str) -> None:
        assert mode in self.MODES
        self.mode = mode
        self.requests = 0
        self.bytes_sent = 0
        self.stop = threading.Event()

    def serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(60)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                self.requests += 1
                self._answer(conn)
            except OSError:
                return

    def _answer(self, conn: socket.socket) -> None:
        mode = self.mode
        if mode == "hang":
            self.stop.wait(60)
        elif mode == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif mode == "error":
            conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")
        elif mode == "redirect":
            conn.sendall(
                b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/\r\nContent-Length: 0\r\n\r\n"
            )
        elif mode == "slow":
            if not self.stop.wait(30):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        elif mode == "drip":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
            while not self.stop.wait(5):
                conn.sendall(b".")
        elif mode == "huge":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n")
            block = b"x" * 65536
            while not self.stop.is_set() and self.bytes_sent < 1_000_000_000:
                conn.sendall(block)
                self.bytes_sent += len(block)


@contextmanager
def faulty_server(faulty: Faulty) -> Iterator[int]:
    """`faulty` on a port of 127.0.0.1, one thread per connection; yields the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.settimeout(0.2)

    def accept() -> None:
        while not faulty.stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=faulty.serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1]
    finally:
        faulty.stop.set()
        thread.join(1)
        sock.close()


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on (`bench.fleet_server.free_ports`)."""
    from bench.fleet_server import free_ports

    return free_ports(1)[0]
