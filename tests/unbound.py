"""A real DNS server (Debian's unbound) on 127.0.0.1 for the DNS probe tests.

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

from bench.fleet_server import free_ports

UNBOUND = shutil.which("unbound") or (
    "/usr/sbin/unbound" if Path("/usr/sbin/unbound").exists() else None
)
INSTALL = "apt-get update && apt-get install -y unbound"


@contextmanager
def unbound(tmp: Path, zone: str) -> Iterator[int]:
    """unbound answering for `zone` (unbound.conf `local-zone`/`local-data` lines) on a free
    UDP port of 127.0.0.1; anything else it refuses."""
    if UNBOUND is None:
        pytest.skip(f"unbound is not installed ({INSTALL})")
    [port] = free_ports(1, socket.SOCK_DGRAM)
    folder = tmp / "unbound"
    folder.mkdir()
    (folder / "unbound.conf").write_text(
        f"""server:
  interface: 127.0.0.1
  port: {port}
  do-tcp: no
  do-ip6: no
  username: ""
  chroot: ""
  directory: "{folder}"
  pidfile: "{folder / "unbound.pid"}"
  use-syslog: no
  logfile: ""
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: no
  local-zone: "." refuse
{zone}
remote-control:
  control-enable: no
"""
    )
    process = subprocess.Popen(
        [UNBOUND, "-d", "-c", str(folder / "unbound.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        import dns.message
        import dns.query

        deadline = time.monotonic() + 10
        while True:  # until it answers a query
            try:
                dns.query.udp(dns.message.make_query("up.test.", "A"), "127.0.0.1", 0.2, port)
                break
            except Exception:
                if process.poll() is not None or time.monotonic() > deadline:
                    error = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"unbound did not start: {error}") from None
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
