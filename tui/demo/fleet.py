"""A small fleet of sites on 127.0.0.1 for the demo: the probes are real, nothing leaves the machine.

memorial-a, library: healthy. memorial-b: answers 503 (the post-mortem's "containers healthy,
site down"). gallery: slow (about 700 ms). bakery: goes down for two minutes every eight, then
comes back, so incidents open and close while you watch.

A page's heading is its path (`/guestbook` shows "Guestbook"), so the sample's deliveries can ask
for text: one finds it, one does not. Tickets' `verify` URLs on `https://<site>.example.org` are
pointed at the fleet too; the bakery delivery turns "not live" when the bakery goes down.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

Behaviour = Callable[[float], tuple[int, float]]  # seconds since start → (status, delay)


def healthy(_: float) -> tuple[int, float]:
    return 200, 0.0


def unavailable(_: float) -> tuple[int, float]:
    return 503, 0.0


def slow(_: float) -> tuple[int, float]:
    return 200, 0.7


def flapping(elapsed: float) -> tuple[int, float]:
    return (503, 0.0) if 60 <= elapsed % 480 < 180 else (200, 0.0)


FLEET: dict[str, Behaviour] = {
    "memorial-a": healthy,
    "memorial-b": unavailable,
    "bakery": flapping,
    "library": healthy,
    "gallery": slow,
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a probe that hangs up early is normal; never print over the room's screen


def _handler(behaviour: Behaviour, started: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            status, delay = behaviour(time.monotonic() - started)
            if delay:
                time.sleep(delay)
            heading = self.path.strip("/").split("?")[0].replace("-", " ").capitalize()
            body = (
                f"<h1>{heading or 'demo site'}</h1>\n".encode()
                if status == 200
                else b"<h1>503 Service Unavailable</h1>\n"
            )
            self.send_response(status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


class Fleet:
    def __init__(self) -> None:
        self.servers: dict[str, _Server] = {}

    def start(self) -> dict[str, str]:
        """Start one server per site; return each site's URL."""
        started = time.monotonic()
        urls = {}
        for name, behaviour in FLEET.items():
            server = _Server(("127.0.0.1", 0), _handler(behaviour, started))
            threading.Thread(target=server.serve_forever, daemon=True, name=f"demo-{name}").start()
            self.servers[name] = server
            urls[name] = f"http://127.0.0.1:{server.server_address[1]}/"
        return urls

    def stop(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()


def point_config_at(root: Path, urls: dict[str, str]) -> None:
    """Rewrite the demo copy's `url = …` of each [[sites]] entry to the fleet's loopback URL."""
    config = root / "sisyphus.toml"
    text = config.read_text(encoding="utf-8")

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        return f'name = "{name}"\nurl = "{urls[name]}"' if name in urls else match.group(0)

    config.write_text(re.sub(r'name = "([^"]+)"\nurl = "[^"]*"', replace, text), encoding="utf-8")


def point_tickets_at(root: Path, urls: dict[str, str]) -> None:
    """Rewrite `https://<site>.example.org` in the demo copy's tickets to the fleet's URLs."""
    pattern = re.compile(r"https://([a-z0-9-]+)\.example\.org/?")

    def replace(match: re.Match[str]) -> str:
        return urls.get(match.group(1), match.group(0))

    for path in (root / "tickets").rglob("*.md"):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "example.org" in text and "verify" in text:
            path.write_text(pattern.sub(replace, text), encoding="utf-8")
