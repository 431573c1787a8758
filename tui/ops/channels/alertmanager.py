"""`kind = "alertmanager"`: the event as an Alertmanager v2 alert (stable labels, so grouping and
silences work; `endsAt` on resolve), and an incident's silence as a v2 silence on its `id`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tui.base.clock import iso, parse_iso
from tui.base.config import Notify
from tui.ops.channels.base import SILENCE, ChannelKind, Event, headers_for, post


def send(channel: Notify, event: Event) -> None:
    assert channel.url is not None
    headers = headers_for(channel, event) | {"Content-Type": "application/json"}
    if event.kind == SILENCE:
        body = json.dumps(silence_of(event), ensure_ascii=False).encode()
        post(channel, channel.url.rstrip("/") + "/api/v2/silences", headers, body)
        return
    body = json.dumps([alert_of(event)], ensure_ascii=False).encode()
    post(channel, channel.url.rstrip("/") + "/api/v2/alerts", headers, body)


def alert_of(event: Event) -> dict[str, Any]:
    """An Alertmanager v2 alert: stable labels, so grouping and silences work; endsAt on resolve."""
    labels = {
        "alertname": {
            "incident": "SisyphusIncident",
            "stale": "SisyphusStaleClarification",
            "freeze": "SisyphusDeployFreeze",
            "delivery": "SisyphusDeliveryNotLive",
            "channel": "SisyphusChannelFailing",
        }.get(event.kind, "Sisyphus"),
        "id": event.id,
        "severity": "page" if event.kind == "incident" else "ticket",
    }
    for key in ("site", "slo", "ticket"):
        value = getattr(event, key)
        if value:
            labels[key] = value
    alert: dict[str, Any] = {
        "labels": labels,
        "annotations": {"summary": event.text[:500], "tier": str(event.tier)},
    }
    # startsAt and endsAt on Alertmanager's clock (the wall clock, even in a --time-scale drill): now when
    # resolved; else an hour on, as the alert is re-sent at every rung (15 minutes apart at most),
    # so an incident whose watcher went quiet expires rather than pages for ever.
    now = datetime.now(UTC)
    try:  # never after its end (Alertmanager answers 400): a drill's clock runs ahead
        alert["startsAt"] = iso(min(parse_iso(event.at), now))
    except ValueError:
        alert["startsAt"] = iso(now)
    alert["endsAt"] = iso(now if event.state == "resolved" else now + timedelta(hours=1))
    return alert


def silence_of(event: Event) -> dict[str, Any]:
    """An Alertmanager v2 silence of one incident's alert (its `id` label) until the room's own
    ends: Alertmanager expires it then by itself."""
    now = datetime.now(UTC)
    return {
        "matchers": [{"name": "id", "value": event.id, "isRegex": False, "isEqual": True}],
        "startsAt": iso(now),
        "endsAt": event.until or iso(now + timedelta(minutes=1)),
        "createdBy": event.by or "sisyphus-room",
        "comment": event.text[:500] or "silenced from the Sisyphus room",
    }


KIND = ChannelKind("alertmanager", send)
