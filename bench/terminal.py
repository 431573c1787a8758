"""Run a program in a real pseudo-terminal and read its screen (pyte emulates the terminal)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time
from collections.abc import Callable

import pyte


class Terminal:
    def __init__(
        self, argv: list[str], cols: int = 120, rows: int = 40, env: dict[str, str] | None = None
    ) -> None:
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.bytes_read = 0
        self.arrived = 0.0  # when the last bytes were read (monotonic)
        pid, fd = pty.fork()
        if pid == 0:  # the child: its terminal's size first (a resize later could be missed)
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            child = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
            child.update(env or {})  # COLUMNS/LINES (pytest sets them) override the real size
            child["TERM"] = "xterm-256color"
            os.execvpe(argv[0], argv, child)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def pump(self, timeout: float = 0.05) -> int:
        """Read what the program wrote within `timeout`; return how many bytes.

        Everything the program has written is drained first and timestamped on arrival
        (`self.arrived`), then fed to pyte: pyte parses about 1 KB per 2 ms, far slower than a real
        terminal, and that must not count as the program's time.
        """
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return 0
        chunks = []
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
            self.arrived = time.monotonic()
            if not select.select([self.fd], [], [], 0.002)[0]:
                break
        data = b"".join(chunks)
        self.bytes_read += len(data)
        self.stream.feed(data)
        # Answer the terminal queries Textual sends, as a real terminal would (cursor position).
        if b"\x1b[6n" in data:
            os.write(self.fd, b"\x1b[1;1R")
        return len(data)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, condition: Callable[[str], bool], seconds: float = 20.0) -> float:
        """Pump until the screen satisfies `condition`; return when the bytes that made it so
        arrived (monotonic time)."""
        if condition(self.text()):
            return time.monotonic()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.pump() and condition(self.text()):
                return self.arrived
        raise AssertionError(f"the screen never showed it; it shows:\n{self.text()}")

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def wait_exit(self, seconds: float = 10.0) -> int:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.pump(0.05)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
        self.kill()
        raise AssertionError("the program did not exit")

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        with contextlib.suppress(OSError):  # closed already (a test that hangs up)
            os.close(self.fd)
