"""Every `sisyphus.toml` key, once: its table, type, default, what it does and an example.

The reader in `config.py` takes each key's type and default from here (a key it reads that is not
here is a bug a test catches), and the docs' configuration reference is generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

KINDS = {
    "str": "string",
    "text": "string",
    "int": "integer",
    "number": "number",
    "share": "number, above 0 and below 1",
    "bool": "boolean",
    "list[str]": "list of strings",
    "duration": 'duration ("90s", "5m", "1h", "30d")',
}


@dataclass(frozen=True)
class Key:
    table: str  # "room", "slo", …; "sites" and "notify" are arrays of tables
    name: str
    kind: str
    default: Any  # None: unset
    doc: str
    example: str  # the value as written in TOML

    @property
    def shown_default(self) -> str:
        if self.default is None:
            return "unset"
        if isinstance(self.default, timedelta):
            return f'"{toml_duration(self.default)}"'
        if isinstance(self.default, bool):
            return "true" if self.default else "false"
        if isinstance(self.default, tuple):
            return "[" + ", ".join(f'"{item}"' for item in self.default) + "]"
        if isinstance(self.default, str):
            return f'"{self.default}"'
        return str(self.default)


def toml_duration(delta: timedelta) -> str:
    """A duration as the config writes it: the largest unit that divides it ("26h", "30s")."""
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


H = timedelta(hours=1)
NOTIFY_EVENTS = ("stale", "incident", "freeze", "delivery", "channel")

KEYS: tuple[Key, ...] = (
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
    # [[sites]]
    Key(
        "sites",
        "name",
        "str",
        None,
        "required: letters, digits, '.', '_', '-' (at most 63)",
        '"memorial-a"',
    ),
    Key(
        "sites",
        "url",
        "str",
        None,
        "required: the http:// or https:// URL probed from outside",
        '"https://memorial-a.example.org/"',
    ),
    Key(
        "sites",
        "project",
        "str",
        None,
        "the project its tickets name in `project:` (default: the site's name): their done "
        "tickets are an incident's suspects",
        '"memorial"',
    ),
    Key("sites", "expect_status", "int", 200, "the HTTP status that counts as up", "204"),
    Key(
        "sites",
        "timeout",
        "duration",
        timedelta(seconds=10),
        "a probe's deadline over the whole exchange",
        '"5s"',
    ),
    Key(
        "sites",
        "verify_tls",
        "bool",
        True,
        "false: the certificate is not verified (its expiry is still read)",
        "false",
    ),
    Key(
        "sites",
        "ca_file",
        "str",
        None,
        "a CA bundle to verify the site's certificate with",
        '"/etc/ssl/private-ca.pem"',
    ),
    Key(
        "sites",
        "dns_name",
        "str",
        None,
        "the name the DNS check resolves (default: the URL's host)",
        '"memorial-a.example.org"',
    ),
    Key(
        "sites",
        "expect_ns",
        "list[str]",
        None,
        "NS records the zone must have",
        '["ns1.gandi.net."]',
    ),
    Key(
        "sites",
        "expect_a",
        "list[str]",
        None,
        "A records the name must resolve to",
        '["203.0.113.10"]',
    ),
    Key(
        "sites",
        "nameserver",
        "str",
        None,
        "ask this server instead of the system's resolver",
        '"127.0.0.1:5353"',
    ),
    # [[notify]]
    Key(
        "notify", "kind", "str", None, "required: webhook, ntfy, command or alertmanager", '"ntfy"'
    ),
    Key(
        "notify",
        "name",
        "str",
        None,
        "the channel's name in logs and the JSON (default: KIND-N)",
        '"owner-phone"',
    ),
    Key(
        "notify",
        "url",
        "str",
        None,
        "required except for command: where pages are sent",
        '"https://ntfy.example.org/sisyphus"',
    ),
    Key(
        "notify",
        "command",
        "text",
        None,
        "required for command: run with the page as JSON on its input",
        '"/usr/local/bin/page-owner"',
    ),
    Key(
        "notify",
        "token_env",
        "str",
        None,
        "the environment variable holding the bearer token (never stored or shown)",
        '"NTFY_TOKEN"',
    ),
    Key(
        "notify",
        "events",
        "list[str]",
        NOTIFY_EVENTS,
        "which events it hears: stale, incident, freeze, delivery, channel",
        '["stale", "incident"]',
    ),
    Key(
        "notify",
        "timeout",
        "duration",
        timedelta(seconds=10),
        "one send's deadline over the whole exchange (at most 5m)",
        '"5s"',
    ),
    # [[maintenance]]
    Key(
        "maintenance",
        "sites",
        "list[str]",
        None,
        'required: names from [[sites]], or ["*"] for all',
        '["memorial-b"]',
    ),
    Key(
        "maintenance",
        "start",
        "str",
        None,
        "a one-off window's start, ISO 8601 (or every and at for a weekly slot)",
        '"2026-12-05T02:00:00Z"',
    ),
    Key("maintenance", "duration", "duration", None, "required: how long it lasts", '"30m"'),
    Key(
        "maintenance",
        "every",
        "list[str]",
        None,
        "a weekly slot's days: mon, tue, wed, thu, fri, sat, sun",
        '["sun"]',
    ),
    Key("maintenance", "at", "str", None, "a weekly slot's local start time, HH:MM", '"02:00"'),
    Key(
        "maintenance",
        "timezone",
        "str",
        "UTC",
        "the time zone of at (an IANA name; daylight saving followed)",
        '"Europe/Rome"',
    ),
    Key("maintenance", "reason", "text", None, "shown with the window", '"kernel update"'),
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
