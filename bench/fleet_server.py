"""Loopback web servers for the probe benchmark: `python -m bench.fleet_server N` prints N ports."""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


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


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
NGINX_INSTALL = "apt-get update && apt-get install -y nginx-light"


def free_ports(count: int, kind: int = socket.SOCK_STREAM) -> list[int]:
    """`count` ports of 127.0.0.1 nothing listens on (bound, then closed), below the kernel's
    ephemeral range (32768 and up): no outgoing connection or DNS query of a program running
    beside this one can take them in the moment before they are used."""
    pick = random.SystemRandom()
    holders: list[socket.socket] = []
    try:
        for _ in range(200 * count):
            if len(holders) == count:
                break
            holder = socket.socket(socket.AF_INET, kind)
            try:
                holder.bind(("127.0.0.1", pick.randrange(20000, 32000)))
            except OSError:
                holder.close()
                continue
            holders.append(holder)
        while len(holders) < count:  # that range taken: any the kernel gives
            holder = socket.socket(socket.AF_INET, kind)
            holder.bind(("127.0.0.1", 0))
            holders.append(holder)
        return [holder.getsockname()[1] for holder in holders]
    finally:
        for holder in holders:
            holder.close()


@contextmanager
def nginx(folder: Path, servers: list[str], ready_port: int) -> Iterator[None]:
    """A real nginx serving `servers` (its `server { … }` blocks) from `folder`, until the block
    ends; started once `ready_port` answers (nginx binds every port before it serves)."""
    assert NGINX is not None, f"nginx is not installed ({NGINX_INSTALL})"
    temp = " ".join(
        f"{kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        f"worker_processes 1; daemon off; pid {folder / 'nginx.pid'};"
        f" error_log {folder / 'error.log'}; events {{ worker_connections 512; }}"
        f" http {{ access_log off; {temp} {' '.join(servers)} }}"
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", ready_port), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    said = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"nginx did not start: {said}") from None
                time.sleep(0.02)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def nginx_fleet(count: int) -> Iterator[list[int]]:
    """`count` sites served by one real nginx (`/ok` 200, `/fail` 503), each answering in about
    1 ms, where the Python stand-ins above share one interpreter among all their sites. (The room
    still reads 15-55 ms for them: its latency includes its own round's queue, see README.)"""
    if NGINX is None:
        raise SystemExit(f"nginx is not installed ({NGINX_INSTALL})")
    ports = free_ports(count)
    servers = [
        f'server {{ listen 127.0.0.1:{port}; location = /ok {{ return 200 "ok\\n"; }}'
        f' location = /fail {{ return 503 "unavailable\\n"; }} }}'
        for port in ports
    ]
    with tempfile.TemporaryDirectory() as tmp, nginx(Path(tmp), servers, ports[-1]):
        yield ports


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    servers = [Server(("127.0.0.1", 0), Handler) for _ in range(count)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(" ".join(str(server.server_address[1]) for server in servers), flush=True)
    sys.stdin.read()  # serve until the benchmark closes our stdin


if __name__ == "__main__":
    main()
