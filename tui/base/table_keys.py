"""The keys of the array tables, `[[sites]]`, `[[notify]]` and `[[maintenance]]` (the others are in
`tui.base.config_keys`, which joins both lists)."""

from __future__ import annotations

from datetime import timedelta

from tui.base.key_spec import Key

H = timedelta(hours=1)
NOTIFY_EVENTS = ("stale", "incident", "freeze", "delivery", "channel")
# Each channel kind (a module of tui/ops/channels/) and the key it cannot do without.
NOTIFY_KINDS = {"webhook": "url", "ntfy": "url", "command": "command", "alertmanager": "url"}

ARRAY_KEYS: tuple[Key, ...] = (
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
    Key("notify", "kind", "str", None, "required: " + ", ".join(NOTIFY_KINDS), '"ntfy"'),
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
