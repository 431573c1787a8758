"""`kind = "webhook"`: the event as JSON, POSTed to `url`."""

from __future__ import annotations

import json

from tui.base.config import Notify
from tui.ops.channels.base import ChannelKind, Event, headers_for, post


def send(channel: Notify, event: Event) -> None:
    assert channel.url is not None
    body = json.dumps(event.to_json(), ensure_ascii=False).encode()
    headers = headers_for(channel, event) | {"Content-Type": "application/json"}
    post(channel, channel.url, headers, body)


KIND = ChannelKind("webhook", send)
