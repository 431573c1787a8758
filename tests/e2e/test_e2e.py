"""The installed command in a real pseudo-terminal, as a person starts it."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from bench.terminal import Terminal
from tests.helpers import stamp, write_ticket

COMMAND = shutil.which("sisyphus-room", path=str(Path(sys.executable).parent))


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_demo_in_a_terminal(size: tuple[int, int]) -> None:
    assert COMMAND, "the sisyphus-room command is not installed next to this Python"
    term = Terminal([COMMAND, "--demo"], cols=size[0], rows=size[1])
    try:
        # The header's alarm (long or short form) and the panes, in one frame: the bytes of a
        # frame arrive in pieces, so what is asked of it is waited for together.
        # (The demo's crew answers tickets as it runs: the count itself may move.)
        term.wait_for(
            lambda s: (
                "Inboxes" in s
                and ("STALE" in s or size[0] < 100)  # 80x24: one pane (inboxes), no ticket rows
                and "architect" in s
                and "Probes" in s
                and re.search(r"⚠ ?\d+ stale", s) is not None
            )
        )
        term.send("?")
        term.wait_for(lambda s: "The room" in s and "filter tickets: words" in s)
        term.send("\x1b")
        term.wait_for(lambda s: "filter tickets: words" not in s)
        term.send("q")
        assert term.wait_exit() == 0
    finally:
        term.kill()


def test_a_ticket_written_appears_on_screen(root: Path) -> None:
    assert COMMAND
    write_ticket(
        root,
        "operator",
        "T-1",
        id="T-1",
        sender="architect",
        subject="First",
        deliverable="d",
        created=stamp(5),
    )
    term = Terminal([COMMAND, "--state", str(root)], cols=120, rows=30)
    try:
        term.wait_for(lambda s: "T-1" in s)
        write_ticket(
            root,
            "operator",
            "T-77",
            id="T-77",
            sender="architect",
            subject="Arrives live",
            deliverable="d",
            created=stamp(1),
        )
        term.wait_for(lambda s: "Arrives live" in s)
        term.send("q")
        assert term.wait_exit() == 0
    finally:
        term.kill()


def test_bad_state_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    assert COMMAND
    term = Terminal([COMMAND, "--state", str(tmp_path)], cols=100, rows=10)
    try:
        code = term.wait_exit()
        assert code == 2
        flowing = "".join(term.screen.display)  # the message wraps at the terminal's width
        assert "no tickets/ folder" in flowing and "Traceback" not in flowing
    finally:
        term.kill()


def test_the_room_ends_when_its_terminal_goes(tmp_path: Path) -> None:
    import os
    import time

    assert COMMAND
    term = Terminal([COMMAND, "--demo"], cols=100, rows=30)
    try:
        term.wait_for(lambda s: "Inboxes" in s)
        os.close(term.fd)  # the SSH session drops: the terminal hangs up
        deadline = time.monotonic() + 2  # measured: about 0.1 s
        while time.monotonic() < deadline and os.waitpid(term.pid, os.WNOHANG)[0] == 0:
            time.sleep(0.05)
        assert time.monotonic() < deadline, "the room kept running without its terminal"
    finally:
        term.kill()


def test_without_a_terminal_the_room_points_to_status_and_check(root: Path) -> None:
    import subprocess

    assert COMMAND
    result = subprocess.run(
        [COMMAND, "--state", str(root)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=30,
    )
    assert result.returncode == 2
    assert "needs a terminal" in result.stderr and "sisyphus-room status" in result.stderr


def test_a_room_suspended_and_resumed_still_reads_its_keys(tmp_path: Path) -> None:
    """ctrl+z and `fg`: Textual stops the room's input thread and closes the driver, then starts
    both again; keys, a lone escape and `q` work after it as before."""
    import os
    import signal
    import time

    assert COMMAND
    term = Terminal([COMMAND, "--demo"], cols=100, rows=30)

    def state() -> str:
        return Path(f"/proc/{term.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]

    try:
        term.wait_for(lambda s: "Inboxes" in s and "Probes" in s)
        os.kill(term.pid, signal.SIGTSTP)
        deadline = time.monotonic() + 10
        while state() != "T":  # Textual leaves the screen and stops the process
            assert time.monotonic() < deadline, "the room did not stop on SIGTSTP"
            term.pump(0.05)
        os.kill(term.pid, signal.SIGCONT)
        term.send("?")
        term.wait_for(lambda s: "The room" in s and "filter tickets: words" in s)
        term.send("\x1b")
        term.wait_for(lambda s: "filter tickets: words" not in s and "Inboxes" in s)
        term.send("q")
        assert term.wait_exit() == 0
    finally:
        term.kill()
