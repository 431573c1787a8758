"""`kind = "command"`: the event as one JSON line on the standard input of `command`, run in its
own process group and stopped, the whole group, at the channel's timeout."""

from __future__ import annotations

import asyncio
import json

from tui.base.config import Notify
from tui.base.sanitize import clean
from tui.ops.channels.base import ChannelKind, Event, SendError


def send(channel: Notify, event: Event) -> None:
    timeout = channel.timeout.total_seconds()
    from tui.base.shell import run_command

    assert channel.command is not None
    stdin = json.dumps(event.to_json(), ensure_ascii=False).encode() + b"\n"
    try:
        code, _, err = asyncio.run(run_command(channel.command, timeout, stdin=stdin))
    except OSError as exc:
        raise SendError(clean(f"cannot run the command: {exc.strerror or exc}")) from None
    if code is None:
        raise SendError(f"the command ran past {timeout:g}s and was stopped")
    if code != 0:
        said = (
            clean(err.decode("utf-8", "replace").strip().splitlines()[-1:][0][:200]) if err else ""
        )
        raise SendError(f"the command exited {code}" + (f": {said}" if said else ""))


KIND = ChannelKind("command", send)
