"""Every `sisyphus.toml` key, once: its table, type, default, what it does and an example.

The reader in `config_reading.py` takes each key's type and default from here (a key it reads that is not
here is a bug a test catches), and the docs' configuration reference is generated from it.
"""

from __future__ import annotations

from datetime import timedelta

from tui.base.key_spec import KINDS, Key
from tui.base.table_keys import ARRAY_KEYS

H = timedelta(hours=1)

TOP_KEYS: tuple[Key, ...] = (
    # [room]
    Key(
        "room",
        "roles",
        "list[str]",
        (),
        "inboxes shown even when their folder is missing or "
        "empty (others are found from `tickets/to_<role>/`)",
        '["architect", "operator"]',
    ),
    Key(
        "room",
        "stale_after",
        "duration",
        H,
        "a needs_clarification ticket waiting longer is "
        "stale: raised in the header, in `check`, and paged",
        '"45m"',
    ),
    Key(
        "room",
        "probe_interval",
        "duration",
        timedelta(seconds=30),
        "time between probe rounds",
        '"1m"',
    ),
    Key(
        "room",
        "owner",
        "str",
        "owner",
        "`from` of tickets written from the room and the command line",
        '"owner"',
    ),
    Key(
        "room",
        "vantage",
        "str",
        None,
        "label of this watcher's point of view in metrics and the JSON (default: the host name)",
        '"probe-1"',
    ),
    Key(
        "room",
        "verify_window",
        "duration",
        timedelta(days=7),
        "how long after `done` a ticket's `verify` URL is checked",
        '"3d"',
    ),
    Key(
        "room",
        "require_verify",
        "bool",
        False,
        "a done ticket with a deliverable but no `verify` is a `check` reason",
        "true",
    ),
    Key(
        "room",
        "unread_after",
        "duration",
        timedelta(hours=24),
        "responses waiting longer are a `check` reason",
        '"12h"',
    ),
    Key(
        "room",
        "take_over",
        "bool",
        False,
        "a room attached to a watcher that stopped becomes the writer by itself (else it offers W)",
        "true",
    ),
    Key(
        "room",
        "intent_after",
        "duration",
        timedelta(hours=2),
        "a hat switch (an open intent under intents/) open longer is a `check` reason",
        '"1h"',
    ),
    Key(
        "room",
        "idle_after",
        "duration",
        timedelta(hours=4),
        "a role with work waiting longer and no answer written for as long is idle: a `check` "
        "reason",
        '"2h"',
    ),
    # [slo]
    Key("slo", "window", "duration", timedelta(days=30), "the error budgets' window", '"28d"'),
    Key(
        "slo",
        "freeze_below",
        "number",
        0.20,
        "deploy freeze while any budget's remaining share is under this (0 to 1)",
        "0.25",
    ),
    Key("slo", "availability", "share", 0.995, "availability target (0.995 is 99.5%)", "0.999"),
    Key(
        "slo",
        "latency_p95_ms",
        "number",
        500.0,
        "latency objective in milliseconds: a probe "
        "slower than this is a bad event of the latency SLO",
        "300",
    ),
    Key(
        "slo",
        "tls_min_days",
        "number",
        7.0,
        "a certificate expiring within this many days fails the tls_expiry SLO",
        "14",
    ),
    Key(
        "slo",
        "backup_max_age",
        "duration",
        timedelta(hours=26),
        "the newest backup must be younger than this",
        '"25h"',
    ),
    # [backups], [containers], [incidents], [metrics]
    Key(
        "backups",
        "path",
        "str",
        None,
        "the folder whose newest file is the last backup; off when unset",
        '"/srv/backups"',
    ),
    Key(
        "containers",
        "command",
        "text",
        None,
        "prints the containers' states (docker ps format); off when unset",
        "\"docker ps --format '{{.Names}}\\t{{.Status}}'\"",
    ),
    Key(
        "containers",
        "timeout",
        "duration",
        timedelta(seconds=10),
        "the containers command's whole process group is killed after this",
        '"20s"',
    ),
    Key("incidents", "open_after", "int", 3, "failing probes in a row that open an incident", "2"),
    Key("incidents", "recover_after", "int", 3, "good probes in a row that resolve it", "5"),
    Key(
        "incidents",
        "confirm_after",
        "duration",
        timedelta(seconds=20),
        "a check that starts failing is probed again this long after, until it has failed "
        "open_after times (the incident opens then) or passes; the budgets count the rounds' "
        "probes only",
        '"15s"',
    ),
    Key(
        "incidents",
        "suspect_window",
        "duration",
        timedelta(hours=2),
        "tickets about a site marked done this long before its first bad probe are listed on the "
        "incident as suspects",
        '"3h"',
    ),
    Key(
        "metrics",
        "listen",
        "str",
        None,
        "OpenMetrics at http://HOST:PORT/metrics; off when unset",
        '"127.0.0.1:9464"',
    ),
    Key(
        "metrics",
        "token_env",
        "str",
        None,
        "the environment variable holding the bearer token /metrics asks for (none when unset)",
        '"METRICS_TOKEN"',
    ),
)

TABLES = (
    "room",
    "slo",
    "backups",
    "containers",
    "incidents",
    "metrics",
    "sites",
    "notify",
    "maintenance",
)
ARRAYS = ("sites", "notify", "maintenance")
KEYS = TOP_KEYS + ARRAY_KEYS
SCHEMA = {(key.table, key.name): key for key in KEYS}


def reference_markdown() -> str:
    """The docs' configuration reference: one table per TOML table, from KEYS."""
    parts = []
    for table in TABLES:
        heading = f"[[{table}]]" if table in ARRAYS else f"[{table}]"
        parts.append(f"### `{heading}`\n")
        parts.append("| key | type | default | what it does | example |")
        parts.append("|---|---|---|---|---|")
        for key in (k for k in KEYS if k.table == table):
            example = key.example.replace("|", "\\|")
            doc = key.doc.replace("|", "\\|")
            parts.append(
                f"| `{key.name}` | {KINDS[key.kind]} | `{key.shown_default}` | {doc} | "
                f"`{key.name} = {example}` |"
            )
        parts.append("")
    return "\n".join(parts)
