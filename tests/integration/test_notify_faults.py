"""Channels under faults, each beside a healthy one: the good receiver hears every rung within 2 s
whatever its neighbour does, a send is bounded as a whole by its channel's timeout, and expected
failures are log lines (no crash report), with no process left behind."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.servers import Faulty, Recorder, faulty_server, recording_server
from tui.base.config import Notify
from tui.base.shell import OUTPUT_CAP, run_command
from tui.ops.notify import ATTEMPTS, Event, Item, Outbox, Sender


@pytest.fixture
def temp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temp folder crash reports would go to, empty at the start."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def good() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    with recording_server(recorder) as port:
        yield recorder, port


def rung(tier: int) -> Event:
    return Event(
        "incident", "INC-1", f"INC-1 firing (tier {tier})", "2026-12-01T10:00:00Z", tier=tier
    )


class Lines(list[tuple[str, dict[str, Any]]]):
    def __call__(self, event: str, fields: dict[str, Any]) -> None:
        self.append((event, fields))

    def wait_for(self, prefix: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event, fields in list(self):
                if event.startswith(prefix):
                    return fields
            time.sleep(0.02)
        raise AssertionError(f"no {prefix!r} line within {timeout}s: {list(self)}")


@pytest.mark.parametrize("mode", [*Faulty.MODES, "unresolvable"])
def test_a_faulty_channel_delays_nobody_and_is_cut_at_its_timeout(
    mode: str, tmp_path: Path, temp_folder: Path, good: tuple[Recorder, int]
) -> None:
    recorder, good_port = good
    faulty = Faulty("hang" if mode == "unresolvable" else mode)
    with faulty_server(faulty) as port:
        url = (
            "http://no-such-host.invalid/"
            if mode == "unresolvable"
            else f"http://127.0.0.1:{port}/"
        )
        bad = Notify("bad", "webhook", url=url, timeout=timedelta(seconds=1.5))
        ok = Notify("ok", "webhook", url=f"http://127.0.0.1:{good_port}/")
        lines = Lines()
        outbox = Outbox(tmp_path)
        sender = Sender(outbox, (bad, ok), lines)  # the faulty one is listed first
        sender.start()
        try:
            for tier in (1, 2):
                outbox.put(rung(tier), (bad, ok))
                sender.kick()
                recorder.wait_for(lambda got, t=tier: len(got) >= t, timeout=10.0)
            if mode in ("hang", "drip", "slow"):
                # Both pages reached the good channel while the faulty one was still held by its
                # first exchange: nobody waited on it (an order, not a time: no flaky clock).
                assert not [e for e, _ in lines if e.startswith("notification failed")]
            keys = [headers["X-Sisyphus-Key"] for _, headers, _ in recorder.received]
            assert keys == ["incident:INC-1:1:firing", "incident:INC-1:2:firing"]
            if mode == "huge":  # a 200 with an endless body: taken, and only its start is read
                lines.wait_for("notification sent", timeout=5.0)
                time.sleep(0.3)
                assert faulty.bytes_sent < 20_000_000
            else:  # the whole exchange is cut at 1.5 s, however the receiver dribbles
                started = time.monotonic()
                fields = lines.wait_for("notification failed", timeout=4.0)
                assert fields["channel"] == "bad"
                assert time.monotonic() - started < 3.5
                if mode in ("hang", "drip", "slow"):
                    assert fields["error"] == "no whole answer within 1.5s"
        finally:
            sender.stop()
    assert not any(e == "error" for e, _ in lines)
    assert not list(temp_folder.rglob("*crash*"))


def test_every_give_up_is_its_own_event_past_fifty(
    tmp_path: Path, good: tuple[Recorder, int]
) -> None:
    _, port = good
    dead = Notify("dead", "webhook", url="http://127.0.0.1:9/", timeout=timedelta(seconds=1))
    alive = Notify("alive", "webhook", url=f"http://127.0.0.1:{port}/")
    outbox = Outbox(tmp_path)
    sender = Sender(outbox, (dead, alive), Lines())
    for number in range(60):
        event = Event("stale", f"Q-{number}", "waited", "2026-12-01T10:00:00Z", tier=1)
        outbox.pending.append(Item("dead", event, attempts=ATTEMPTS - 1))
    sender.drain_channel("dead")
    told = [i.event for i in outbox.pending if i.channel == "alive"]
    assert len(told) == 60 and len({e.key for e in told}) == 60
    assert all(e.kind == "channel" and e.id == "dead" for e in told)


def _alive(marker: str) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                found.append(int(pid))
    return found


def test_a_command_still_sending_is_killed_when_the_sender_stops(tmp_path: Path) -> None:
    marker = f"sisyphus-test-{os.getpid()}-{time.monotonic_ns()}"
    started, sent = tmp_path / "started", tmp_path / "sent"
    command = f"touch {started}; sleep 30 # {marker}\necho done > {sent}"
    channel = Notify("cmd", "command", command=command, timeout=timedelta(seconds=60))
    lines = Lines()
    outbox = Outbox(tmp_path)
    sender = Sender(outbox, (channel,), lines)
    sender.start()
    outbox.put(rung(1), (channel,))
    sender.kick()
    deadline = time.monotonic() + 5
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert started.exists() and _alive(marker)
    sender.stop(wait=2.0)
    deadline = time.monotonic() + 10  # killed at once; a loaded machine may take a while to reap
    while _alive(marker) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _alive(marker) == []
    assert not sent.exists()
    assert json.loads((tmp_path / "outbox.json").read_text())["pending"]  # sent again later


async def test_a_command_started_as_the_program_stops_is_killed_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM between a command's start and its registration: it is not left running."""
    import asyncio

    from tui.base import shell

    marker = f"sisyphus-test-{os.getpid()}-{time.monotonic_ns()}"
    real = asyncio.create_subprocess_shell

    async def started_then_stopped(*args: Any, **kwargs: Any) -> Any:
        process = await real(*args, **kwargs)
        shell.kill_running()  # the program stops in that instant
        return process

    monkeypatch.setattr(asyncio, "create_subprocess_shell", started_then_stopped)
    said = await run_command(f"sleep 30 # {marker}", 60)
    assert said == (None, b"", b"")
    deadline = time.monotonic() + 10
    while _alive(marker) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert _alive(marker) == []
    monkeypatch.setattr(asyncio, "create_subprocess_shell", real)
    assert await run_command("echo later", 10) == (0, b"later\n", b"")  # later ones run


async def test_a_command_output_is_kept_up_to_a_cap() -> None:
    code, out, err = await run_command("head -c 100000000 /dev/zero; echo oops >&2", 30)
    assert code == 0 and len(out) == OUTPUT_CAP and err == b"oops\n"
