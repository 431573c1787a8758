"""A real nginx (Debian's package) on 127.0.0.1 for the probe tests: the sites a visitor meets.

`.ci/run` installs it; locally, without it, the tests that need it skip and say how to install.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.servers import signed_certificates

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
INSTALL = "apt-get update && apt-get install -y nginx-light"


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


@contextmanager
def nginx_fleet(tmp: Path) -> Iterator[dict[str, int]]:
    """Ports of: `http` (/ok 200, /fail 503, /moved → /ok), and TLS servers `valid`, `soon`
    (3 days left), `wronghost`, `expired`, signed by a test CA written to tmp/ca.pem."""
    if NGINX is None:
        pytest.skip(f"nginx is not installed ({INSTALL})")
    certs = signed_certificates(tmp)
    folder = tmp / "nginx"
    folder.mkdir()
    names = ["http", *certs]
    ports = dict(zip(names, _free_ports(len(names)), strict=True))
    servers = [
        f"""server {{ listen 127.0.0.1:{ports["http"]};
            location = /ok {{ return 200 "ok\\n"; }}
            location = /fail {{ return 503 "unavailable\\n"; }}
            location = /moved {{ return 302 /ok; }} }}"""
    ]
    for name, cert in certs.items():
        chain, key = folder / f"{name}.pem", folder / f"{name}.key"
        cert.cert_chain_pems[0].write_to_path(str(chain))
        cert.private_key_pem.write_to_path(str(key))
        servers.append(
            f"""server {{ listen 127.0.0.1:{ports[name]} ssl;
                ssl_certificate {chain}; ssl_certificate_key {key};
                location / {{ return 200 "ok\\n"; }} }}"""
        )
    temp = " ".join(
        f"{kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        f"""worker_processes 1; daemon off; pid {folder / "nginx.pid"};
        error_log {folder / "error.log"};
        events {{ worker_connections 64; }}
        http {{ access_log off; {temp} {" ".join(servers)} }}
        """
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:  # until every port answers (nginx binds them all before it serves)
            try:
                with socket.create_connection(("127.0.0.1", ports["expired"]), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"nginx did not start: {process.stderr.read().decode() if process.stderr else ''}"
                    ) from None
                time.sleep(0.02)
        yield ports
    finally:
        process.terminate()
        process.wait(timeout=10)
