"""`kind = "ntfy"`: the event's text as an ntfy message, with a title, a priority by its tier,
tags, and a sequence id from its key (ntfy replaces a repeat instead of showing it twice)."""

from __future__ import annotations

import hashlib

from tui.base.config import Notify
from tui.ops.channels.base import ChannelKind, Event, header_text, headers_for, post, priority_of


def send(channel: Notify, event: Event) -> None:
    assert channel.url is not None
    title = f"{event.kind} {event.id}" + (" resolved" if event.state == "resolved" else "")
    headers = headers_for(channel, event) | {
        "Title": header_text(f"Sisyphus: {title}"),
        "Priority": priority_of(event),
        "Tags": header_text(",".join(filter(None, [event.kind, event.state, event.site]))),
        "X-Sequence-ID": hashlib.sha256(event.key.encode()).hexdigest()[:32],
    }
    post(channel, channel.url, headers, event.text.encode())


KIND = ChannelKind("ntfy", send)
