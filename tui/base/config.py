"""The configuration as the program uses it: `Config` and its sites, notification channels and
maintenance windows, frozen values with a default for every key (a state root without
`sisyphus.toml` is fine). Reading and checking the file is `tui.base.config_reading`'s: every error
names the file, the key and what was expected (SPEC section 3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tui.base.table_keys import NOTIFY_EVENTS

CONFIG_NAME = "sisyphus.toml"
ROLE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*\Z")  # \Z: "ops\n" is no role


class ConfigError(Exception):
    """A config problem, worded for a person: file, key, what was expected."""


@dataclass(frozen=True)
class Site:
    name: str
    url: str
    expect_status: int = 200
    timeout: timedelta = timedelta(seconds=10)
    verify_tls: bool = True
    ca_file: str | None = None
    dns_name: str | None = None
    expect_ns: tuple[str, ...] | None = None
    expect_a: tuple[str, ...] | None = None
    nameserver: str | None = None
    project: str | None = None  # the project its tickets name (suspects of its incidents)

    @property
    def is_https(self) -> bool:
        return self.url.lower().startswith("https://")


@dataclass(frozen=True)
class Notify:
    """One `[[notify]]` channel. The secret itself is never kept here: only the variable's name."""

    name: str
    kind: str
    url: str | None = None
    command: str | None = None
    token_env: str | None = None
    events: tuple[str, ...] = NOTIFY_EVENTS
    timeout: timedelta = timedelta(seconds=10)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Maintenance:
    """One `[[maintenance]]` window: one-off (`start`) or a weekly slot (`every` at `at`)."""

    sites: tuple[str, ...]  # "*": every site
    duration: timedelta
    start: datetime | None = None
    every: tuple[int, ...] = ()  # weekdays, Monday 0
    at: tuple[int, int] | None = None  # (hour, minute), local to `timezone`
    timezone: str = "UTC"
    reason: str = ""


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    stale_after: timedelta = timedelta(hours=1)
    probe_interval: timedelta = timedelta(seconds=30)
    roles: tuple[str, ...] = ()
    slo_window: timedelta = timedelta(days=30)
    freeze_below: float = 0.20
    availability: float = 0.995
    latency_p95_ms: float = 500.0
    tls_min_days: float = 7.0
    backup_max_age: timedelta = timedelta(hours=26)
    sites: tuple[Site, ...] = ()
    backups_path: str | None = None
    containers_command: str | None = None
    containers_timeout: timedelta = timedelta(seconds=10)
    open_after: int = 3
    recover_after: int = 3
    owner: str = "owner"
    vantage: str | None = None  # None: the host name
    verify_window: timedelta = timedelta(days=7)
    require_verify: bool = False
    unread_after: timedelta = timedelta(hours=24)
    take_over: bool = False  # a room attached to a watcher that stopped becomes the writer
    intent_after: timedelta = timedelta(hours=2)  # an open hat switch older is a check reason
    idle_after: timedelta = timedelta(hours=4)  # work waiting, no pickup for as long: idle
    suspect_window: timedelta = timedelta(hours=2)  # done this long before a first bad probe
    confirm_after: timedelta = timedelta(seconds=20)  # a failing check probed again after this
    notify: tuple[Notify, ...] = ()
    maintenance: tuple[Maintenance, ...] = ()
    metrics_listen: str | None = None
    metrics_token_env: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
