"""How one notification leaves: a module per channel kind (webhook, ntfy, Alertmanager, a
command), each with its `KIND`, listed in `MODULES`; what they share is in `base.py`. A send is
bounded as a whole by the channel's timeout and carries its event's key. A new kind is a new
module here, and its name and the key it needs in `NOTIFY_KINDS` (`tui/base/table_keys.py`,
where `[[notify]]`'s keys are declared; a test keeps the two lists equal)."""

from __future__ import annotations

from tui.base.config import Notify
from tui.ops.channels import alertmanager, command, ntfy, webhook
from tui.ops.channels.alertmanager import alert_of, silence_of
from tui.ops.channels.base import (
    ANSWER_CAP,
    SILENCE,
    ChannelKind,
    Event,
    SendError,
    event_from,
)

MODULES = (webhook, ntfy, alertmanager, command)
KINDS: dict[str, ChannelKind] = {m.KIND.name: m.KIND for m in MODULES}


def send(channel: Notify, event: Event) -> None:
    """Send one event on one channel; raises SendError with a sentence on failure."""
    kind = KINDS.get(channel.kind)
    if kind is None:
        raise SendError(f"unknown channel kind {channel.kind!r}")
    kind.send(channel, event)


__all__ = [
    "ANSWER_CAP",
    "KINDS",
    "SILENCE",
    "Event",
    "SendError",
    "alert_of",
    "event_from",
    "send",
    "silence_of",
]
