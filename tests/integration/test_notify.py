"""The outbox and its sender against real loopback receivers: retries, giving up, telling the
other channels, and nothing queued twice across a restart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.servers import Recorder, free_port, recording_server
from tui.base.clock import system_clock
from tui.base.config import Notify
from tui.ops.notify import ATTEMPTS, Event, Outbox, Sender, failed_lately


@pytest.fixture
def receiver() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    with recording_server(recorder) as port:
        yield recorder, port


def test_a_channel_that_never_answers_is_given_up_and_the_others_are_told(
    tmp_path: Path, receiver: tuple[Recorder, int]
) -> None:
    recorder, port = receiver
    dead = Notify("dead", "webhook", url=f"http://127.0.0.1:{free_port()}/")
    alive = Notify("alive", "webhook", url=f"http://127.0.0.1:{port}/")
    lines: list[tuple[str, dict[str, Any]]] = []
    outbox = Outbox(tmp_path)
    sender = Sender(outbox, (dead, alive), lambda event, fields: lines.append((event, fields)))
    event = Event("incident", "INC-1", "INC-1 firing: shop http", "2026-12-01T10:00:00Z", tier=1)
    assert outbox.put(event, (dead, alive)) == ["dead", "alive"]
    assert outbox.put(event, (dead, alive)) == []  # once per channel and key
    for _ in range(ATTEMPTS):
        for item in outbox.pending:
            item.next_at = 0  # the backoff's time has come
        sender.drain()
    failed = [e for e, _ in lines if e.startswith("notification failed")]
    assert failed[:-1] == ["notification failed, will retry"] * (ATTEMPTS - 1)
    assert failed[-1] == "notification failed, given up"
    assert outbox.failed[0]["channel"] == "dead" and "INC-1" in outbox.failed[0]["event"]
    sender.drain()  # the "channel" event queued for the others
    got = [json.loads(body) for _, _, body in recorder.received]
    assert [(e["kind"], e["id"]) for e in got] == [("incident", "INC-1"), ("channel", "dead")]
    assert failed_lately(tmp_path, system_clock()) == 1
    assert failed_lately(tmp_path, system_clock() + timedelta(days=2)) == 0
    again = Outbox(tmp_path)  # after a restart: what was sent is known, what failed is listed
    assert again.put(event, (alive,)) == [] and again.failed == outbox.failed
    assert again.summary()["pending"] == 0


def test_a_damaged_outbox_is_set_aside_and_said(tmp_path: Path) -> None:
    (tmp_path / "outbox.json").write_text('{"pending": [{"channel": 1}]}')
    outbox = Outbox(tmp_path)
    assert outbox.pending == [] and "unreadable" in outbox.notes[0]
    assert list(tmp_path.glob("outbox.json.damaged-*"))


def test_a_command_channel_gets_the_event_on_stdin_and_is_stopped_at_its_timeout(
    tmp_path: Path,
) -> None:
    out = tmp_path / "got.json"
    ok = Notify("cmd", "command", command=f"cat > {out}")
    slow = Notify("slow", "command", command="sleep 30", timeout=timedelta(seconds=0.5))
    lines: list[tuple[str, dict[str, Any]]] = []
    outbox = Outbox(tmp_path)
    sender = Sender(outbox, (ok, slow), lambda event, fields: lines.append((event, fields)))
    event = Event("stale", "Q-1", "Q-1 waited 61 min", "2026-12-01T10:00:00Z", ticket="Q-1")
    outbox.put(event, (ok, slow))
    sender.drain()
    assert json.loads(out.read_text())["ticket"] == "Q-1"
    [(_, fields)] = [line for line in lines if line[0].startswith("notification failed")]
    assert fields["error"] == "the command ran past 0.5s and was stopped"
