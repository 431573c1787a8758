"""Loopback web servers for the probe benchmark: `python -m bench.fleet_server N` prints N ports."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        status = 503 if self.path.startswith("/fail") else 200
        self.send_response(status)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")

    def log_message(self, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def handle_error(self, request: object, client_address: object) -> None:
        pass


@contextmanager
def fleet(processes: int = 2, servers_each: int = 4) -> Iterator[list[int]]:
    """Web servers in their own processes, so they do not take the prober's GIL."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.fleet_server", str(servers_each)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    try:
        ports = [int(port) for proc in procs for port in proc.stdout.readline().split()]  # type: ignore[union-attr]
        yield ports
    finally:
        for proc in procs:
            proc.stdin.close()  # type: ignore[union-attr]
            proc.kill()
            proc.wait()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    servers = [Server(("127.0.0.1", 0), Handler) for _ in range(count)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(" ".join(str(server.server_address[1]) for server in servers), flush=True)
    sys.stdin.read()  # serve until the benchmark closes our stdin


if __name__ == "__main__":
    main()
