"""A real nginx (Debian's package) on 127.0.0.1 for the probe tests: the sites a visitor meets.

`.ci/run` installs it; locally, without it, the tests that need it skip and say how to install.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.fleet_server import NGINX, NGINX_INSTALL, free_ports, nginx
from tests.servers import signed_certificates


@contextmanager
def nginx_fleet(tmp: Path) -> Iterator[dict[str, int]]:
    """Ports of: `http` (/ok 200, /fail 503, /moved → /ok), and TLS servers `valid`, `soon`
    (3 days left), `wronghost`, `expired`, signed by a test CA written to tmp/ca.pem."""
    if NGINX is None:
        pytest.skip(f"nginx is not installed ({NGINX_INSTALL})")
    certs = signed_certificates(tmp)
    folder = tmp / "nginx"
    folder.mkdir()
    names = ["http", *certs]
    ports = dict(zip(names, free_ports(len(names)), strict=True))
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
    with nginx(folder, servers, ports["expired"]):
        yield ports
