"""Notifications that leave the machine: `[[notify]]` channels and the outbox that feeds them.

An `Event` is one step of a ladder (a stale clarification, an incident, a freeze, a delivery) or a
channel that gave up. `Outbox` keeps, in `.room/outbox.json`, what is still to be sent to which
channel, what failed for good, and the keys of what was sent: an event is queued once per channel
and key, so a restart sends nothing twice, and what was queued before a kill -9 is sent after it.
`Sender` drains the outbox with one thread per channel, with retries and backoff, so a slow or
refusing channel never delays a probe round or another channel. A send is bounded as a whole by
the channel's timeout and carries its key (`X-Sisyphus-Key`; ntfy's `X-Sequence-ID`): delivery is
at least once, and a repeat is possible when a receiver took the event but its answer did not
arrive within the timeout, so the window for a repeat is the receiver's whole answer time.

Secrets are read from the environment at send time (`token_env`) and never written anywhere.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.base.clock import iso, parse_iso
from tui.base.config import Notify
from tui.base.paths import NotAFile, read_file, write_atomic
from tui.base.sanitize import clean
from tui.ops.channels import SILENCE, Event, SendError, event_from, send

OUTBOX = "outbox.json"
MAX_PENDING = 500  # a bounded queue: the oldest are dropped (and said) beyond this
MAX_FAILED = 50
MAX_SENT_KEYS = 5000
ATTEMPTS = 6  # then the event is given up for that channel (and a "channel" event raised)
BACKOFF = (2.0, 5.0, 15.0, 60.0, 300.0)  # seconds before attempt 2, 3, …


@dataclass
class Item:
    channel: str
    event: Event
    attempts: int = 0
    next_at: float = 0.0  # wall-clock seconds
    error: str | None = None


class Outbox:
    """The notifications still to send, those that failed for good, and the keys already sent."""

    def __init__(self, room: Path, *, read_only: bool = False) -> None:
        self.path = room / OUTBOX
        self.read_only = read_only
        self.pending: list[Item] = []
        self.failed: list[dict[str, Any]] = []
        self.sent: list[str] = []
        self.notes: list[str] = []
        self._lock = threading.Lock()
        self._save_lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads(read_file(self.path, 16 << 20))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            pending = [
                Item(
                    str(i["channel"]),
                    event_from(i["event"]),
                    int(i["attempts"]),
                    float(i["next_at"]),
                    str(i["error"]) if i.get("error") is not None else None,
                )
                for i in data.get("pending", [])
            ]
            failed = [f for f in data.get("failed", []) if isinstance(f, dict)][-MAX_FAILED:]
            sent = [k for k in data.get("sent", []) if isinstance(k, str)][-MAX_SENT_KEYS:]
        except FileNotFoundError:
            return
        except (OSError, NotAFile, ValueError, TypeError, KeyError) as exc:
            self.notes.append(clean(f"{OUTBOX}: unreadable ({exc}); starting an empty outbox"))
            if not self.read_only and self.path.is_file() and not self.path.is_symlink():
                aside = self.path.with_name(f"{OUTBOX}.damaged-{int(time.time())}")
                with contextlib.suppress(OSError):
                    os.replace(self.path, aside)
            return
        self.pending, self.failed, self.sent = pending, failed, sent

    def save(self) -> None:
        if self.read_only:
            return
        with self._save_lock:  # lanes save in turn: the file last written is the newest state
            self._save()

    def _save(self) -> None:
        with self._lock:
            data = {
                "pending": [
                    {
                        "channel": i.channel,
                        "event": i.event.to_json(),
                        "attempts": i.attempts,
                        "next_at": i.next_at,
                        "error": i.error,
                    }
                    for i in self.pending
                ],
                "failed": self.failed[-MAX_FAILED:],
                "sent": self.sent[-MAX_SENT_KEYS:],
            }
        write_atomic(self.path, json.dumps(data, ensure_ascii=False).encode())

    def put(self, event: Event, channels: tuple[Notify, ...]) -> list[str]:
        """Queue `event` for every channel that wants its kind, once per key; returns the names."""
        queued = []
        with self._lock:
            known = set(self.sent) | {f"{i.channel}|{i.event.key}" for i in self.pending}
            for channel in channels:
                if event.kind == SILENCE:  # an incident's silence: for Alertmanager to keep too
                    if channel.kind != "alertmanager" or "incident" not in channel.events:
                        continue
                elif event.kind not in channel.events:
                    continue
                if event.kind == "channel" and event.id == channel.name:
                    continue  # a channel is not told about its own failure
                mark = f"{channel.name}|{event.key}"
                if mark in known:
                    continue
                self.pending.append(Item(channel.name, event))
                queued.append(channel.name)
            dropped = len(self.pending) - MAX_PENDING
            if dropped > 0:
                for item in self.pending[:dropped]:
                    self._fail(item, "dropped: more than 500 notifications waiting")
                del self.pending[:dropped]
        return queued

    def due(self, now: float, channel: str | None = None) -> list[Item]:
        with self._lock:
            return [
                i
                for i in self.pending
                if i.next_at <= now and (channel is None or i.channel == channel)
            ]

    def next_at(self, channel: str | None = None) -> float | None:
        with self._lock:
            return min(
                (i.next_at for i in self.pending if channel is None or i.channel == channel),
                default=None,
            )

    def sent_ok(self, item: Item) -> None:
        with self._lock:
            if item in self.pending:
                self.pending.remove(item)
            self.sent.append(f"{item.channel}|{item.event.key}")
            del self.sent[:-MAX_SENT_KEYS]

    def retry(self, item: Item, error: str, now: float) -> bool:
        """Count a failed attempt: True when it will be tried again, False when given up."""
        with self._lock:
            item.attempts += 1
            item.error = error
            if item.attempts < ATTEMPTS:
                item.next_at = now + BACKOFF[min(item.attempts - 1, len(BACKOFF) - 1)]
                return True
            if item in self.pending:
                self.pending.remove(item)
            self._fail(item, error)
            return False

    def give_up(self, item: Item, error: str) -> None:
        with self._lock:
            if item in self.pending:
                self.pending.remove(item)
            self._fail(item, error)

    def _fail(self, item: Item, error: str) -> None:
        self.failed.append(
            {
                "channel": item.channel,
                "event": item.event.key,
                "error": error,
                "at": iso(datetime.now().astimezone()),
            }
        )
        del self.failed[:-MAX_FAILED]

    def summary(self) -> dict[str, Any]:
        """`notifications` of the JSON snapshot."""
        with self._lock:
            retrying = [
                {
                    "channel": i.channel,
                    "event": i.event.key,
                    "error": i.error,
                    "attempts": i.attempts,
                }
                for i in self.pending
                if i.error
            ]
            return {"pending": len(self.pending), "retrying": retrying, "failed": list(self.failed)}


def failed_lately(room: Path, now: datetime, within: float = 86400.0) -> int:
    """How many notifications were given up on in the last day (the room's header counts them)."""
    if not (room / OUTBOX).exists():
        return 0
    count = 0
    for failed in Outbox(room, read_only=True).failed:
        try:
            if (now - parse_iso(str(failed.get("at")))).total_seconds() < within:
                count += 1
        except ValueError:
            continue
    return count


Log = Callable[[str, dict[str, Any]], None]


class Sender:
    """Drains an outbox: one lane (a daemon thread) per channel, so a channel that hangs or drips
    delays nobody else's pages. Each due item is sent, retried with backoff, or given up (then
    the other channels are told, kind "channel"). Wake the lanes with `kick` when items arrive."""

    def __init__(self, outbox: Outbox, channels: tuple[Notify, ...], log: Log) -> None:
        self.outbox, self.log = outbox, log
        self.channels: tuple[Notify, ...] = ()
        self._stop = threading.Event()
        self._lanes: dict[str, _Lane] = {}
        self._started = False
        self._unsaved = False
        self.set_channels(channels)

    def start(self) -> None:
        self._started = True
        for lane in self._lanes.values():
            lane.start()

    def stop(self, wait: float = 0.5) -> None:
        """Stop the lanes; a command still sending is killed (its process group), not left to
        finish after us and be sent again by the next watcher."""
        from tui.base.shell import kill_running

        self._stop.set()
        for lane in self._lanes.values():
            lane.wake.set()
        kill_running()
        deadline = time.monotonic() + wait
        for lane in self._lanes.values():
            lane.join(max(0.0, deadline - time.monotonic()))

    def set_channels(self, channels: tuple[Notify, ...]) -> None:
        """Take a new set of channels (a reload): a lane for each new one; what waits for a
        channel that is gone is given up."""
        self.channels = channels
        names = {c.name for c in channels}
        for name in list(self._lanes):
            if name not in names:
                self._lanes.pop(name).wake.set()  # it sees itself gone and ends
        for channel in channels:
            if channel.name not in self._lanes:
                lane = self._lanes[channel.name] = _Lane(self, channel.name)
                if self._started:
                    lane.start()
        for item in self.outbox.due(float("inf")):
            if item.channel not in names:
                self.outbox.give_up(item, "the channel is no longer configured")

    def kick(self) -> None:
        for lane in self._lanes.values():
            lane.wake.set()

    def drain(self) -> None:
        """Send what is due on every channel now, each channel in its own thread, and wait."""
        threads = [
            threading.Thread(target=self.drain_channel, args=(name,), daemon=True)
            for name in self._lanes
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def drain_channel(self, name: str) -> None:
        for item in self.outbox.due(time.time(), name):
            if self._stop.is_set():
                return
            channel = next((c for c in self.channels if c.name == name), None)
            if channel is None:  # the config changed meanwhile
                self.outbox.give_up(item, "the channel is no longer configured")
                continue
            self._send(channel, item)

    def _send(self, channel: Notify, item: Item) -> None:
        fields = {"channel": item.channel, "notification": item.event.key}
        sent = False
        try:
            send(channel, item.event)
        except SendError as exc:
            again = self.outbox.retry(item, str(exc), time.time())
            self.log(
                "notification failed" + (", will retry" if again else ", given up"),
                fields | {"error": str(exc), "attempt": item.attempts},
            )
            if not again:
                self.outbox.put(
                    Event(
                        "channel",
                        item.channel,
                        f"notifications to {item.channel} failed: {exc}",
                        iso(datetime.now().astimezone()) or "",
                        about=item.event.key,  # each give-up is its own event
                    ),
                    self.channels,
                )
                self.kick()
        else:
            self.outbox.sent_ok(item)
            sent = True
        try:  # at once: a kill before this line sends the item again (at least once)
            self.outbox.save()
        except OSError as exc:
            if not self._unsaved:  # said once until it is saved again (a full disk)
                self.log("outbox not saved", {"error": clean(exc.strerror or str(exc))})
            self._unsaved = True
        else:
            if self._unsaved:
                self.log("outbox saved again", {})
            self._unsaved = False
        if sent:
            self.log("notification sent", fields)


class _Lane(threading.Thread):
    """One channel's sender: sleeps until its next item is due or it is woken."""

    def __init__(self, sender: Sender, name: str) -> None:
        super().__init__(name=f"notify-{name}", daemon=True)
        self.sender, self.channel = sender, name
        self.wake = threading.Event()

    def run(self) -> None:
        sender = self.sender
        while not sender._stop.is_set() and sender._lanes.get(self.channel) is self:
            sender.drain_channel(self.channel)
            upcoming = sender.outbox.next_at(self.channel)
            delay = 30.0 if upcoming is None else max(0.05, min(30.0, upcoming - time.time()))
            self.wake.wait(delay)
            self.wake.clear()
