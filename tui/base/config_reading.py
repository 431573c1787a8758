"""Reading `sisyphus.toml` into a `Config`: every key checked against its declaration
(`tui.base.config_keys`), every error naming the file and the key, unknown keys refused."""

from __future__ import annotations

import math
import re
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tui.base.config import (
    CONFIG_NAME,
    ROLE_PATTERN,
    WEEKDAYS,
    Config,
    ConfigError,
    Maintenance,
    Notify,
    Site,
)
from tui.base.config_keys import SCHEMA
from tui.base.durations import parse_duration
from tui.base.paths import read_file
from tui.base.sanitize import clean
from tui.base.table_keys import NOTIFY_EVENTS, NOTIFY_KINDS


class _Reader:
    """Pulls typed values out of one TOML table, remembering which keys were used."""

    def __init__(self, file: Path, prefix: str, table: Any, name: str | None = None) -> None:
        self.file, self.prefix = file, prefix
        self.name = prefix if name is None else name  # its name in config_keys: "sites"
        if not isinstance(table, dict):
            self.fail("", f"a table, got {_kind(table)}")
        self.table: dict[str, Any] = table
        self.used: set[str] = set()

    def fail(self, key: str, expected: str) -> None:
        name = f"{self.prefix}.{key}" if key and self.prefix else (key or self.prefix)
        raise ConfigError(f"{self.file}: key '{name}': expected {expected}")

    def get(self, key: str) -> Any:
        """The key's value, of the type config_keys gives it, or its default there."""
        spec = SCHEMA[(self.name, key)]
        kind, default = spec.kind, spec.default
        if kind == "share":
            return self._share(key, default)
        self.used.add(key)
        if key not in self.table:
            return list(default) if isinstance(default, tuple) else default
        value = self.table[key]
        checks = {
            "str": lambda v: isinstance(v, str) and v.strip() != "" and clean(v) == v,
            "text": lambda v: isinstance(v, str) and v.strip() != "",
            "int": lambda v: isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2**53,
            "number": lambda v: (
                isinstance(v, int | float)
                and not isinstance(v, bool)
                and abs(v) < 2**53
                and math.isfinite(v)
            ),
            "bool": lambda v: isinstance(v, bool),
            "list[str]": lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
        }
        wording = {
            "str": "a non-empty string without control characters",
            "text": "a non-empty string",
            "int": "an integer",
            "number": "a finite number",
            "bool": "true or false",
            "list[str]": "a list of strings",
        }
        if kind == "duration":
            try:
                return parse_duration(value)
            except ValueError:
                self.fail(key, f'a duration such as "90s", "5m", "1h" or "30d", got {value!r}')
        if not checks[kind](value):
            self.fail(key, f"{wording[kind]}, got {_kind(value)} {value!r}")
        return value

    def _share(self, key: str, default: float) -> float:
        """A target such as 0.995: above 0 and below 1 (a target of 1 leaves no budget at all)."""
        self.used.add(key)
        raw = self.table.get(key, default)
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            self.fail(key, f"a finite number, got {_kind(raw)} {raw!r}")
        value = float(raw)
        if not 0 < value < 1:
            self.fail(key, f"a share above 0 and below 1 (0.995 for 99.5%), got {value}")
        return value

    def finish(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            known = ", ".join(sorted(self.used))
            self.fail(unknown[0], f"no such key (known here: {known})")


def _kind(value: Any) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _host_port(reader: _Reader, key: str, value: str | None) -> str | None:
    if value is None:
        return None
    host, _, port = value.rpartition(":") if ":" in value else (value, "", "53")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        reader.fail(key, f'"host" or "host:port", got {value!r}')
    return value


SITE_NAME = re.compile(r"[^\W_][\w.-]{0,62}")


def _site(file: Path, index: int, table: Any) -> Site:
    reader = _Reader(file, f"sites[{index}]", table, "sites")
    name = reader.get("name")
    url = reader.get("url")
    if name is None:
        reader.fail("name", "a site name (required)")
    if not SITE_NAME.fullmatch(name):
        # It becomes a Prometheus label, part of incident ids and of post-mortem file names.
        reader.fail(
            "name",
            "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63 "
            f"characters, got {name!r}",
        )
    if url is None:
        reader.fail("url", "an http:// or https:// URL (required)")
    _http_url(reader, "url", url)
    status = reader.get("expect_status")
    if not 100 <= status <= 599:
        reader.fail("expect_status", f"an HTTP status between 100 and 599, got {status}")
    ns = reader.get("expect_ns")
    a_set = reader.get("expect_a")
    site = Site(
        name=name,
        url=url,
        expect_status=status,
        timeout=reader.get("timeout"),
        verify_tls=reader.get("verify_tls"),
        ca_file=reader.get("ca_file"),
        dns_name=reader.get("dns_name"),
        expect_ns=tuple(ns) if ns is not None else None,
        expect_a=tuple(a_set) if a_set is not None else None,
        nameserver=_host_port(reader, "nameserver", reader.get("nameserver")),
        project=reader.get("project"),
    )
    reader.finish()
    return site


def is_http_url(url: str) -> bool:
    """An http:// or https:// URL with a host and, if any, a port in range."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _http_url(reader: _Reader, key: str, url: str | None) -> str | None:
    if url is not None and not is_http_url(url):
        reader.fail(key, f"an http:// or https:// URL, got {url!r}")
    return url


ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _notify(file: Path, index: int, table: Any) -> Notify:
    reader = _Reader(file, f"notify[{index}]", table, "notify")
    kind = reader.get("kind")
    if kind not in NOTIFY_KINDS:
        reader.fail("kind", f"one of {', '.join(NOTIFY_KINDS)}, got {kind!r}")
    url = _http_url(reader, "url", reader.get("url"))
    command = reader.get("command")
    needed = NOTIFY_KINDS[kind]
    if needed == "command" and command is None:
        reader.fail("command", f"the program to run (required for kind = {kind!r})")
    if needed == "url" and url is None:
        reader.fail("url", f"an http:// or https:// URL (required for kind = {kind!r})")
    token_env = reader.get("token_env")
    if token_env is not None and not ENV_NAME.match(token_env):
        reader.fail("token_env", f"the name of an environment variable, got {token_env!r}")
    events = reader.get("events")
    for event in events:
        if event not in NOTIFY_EVENTS:
            reader.fail("events", f"events among {', '.join(NOTIFY_EVENTS)}, got {event!r}")
    timeout = reader.get("timeout")
    if not timedelta(0) < timeout <= timedelta(minutes=5):
        reader.fail("timeout", f"a duration above 0 and at most 5m, got {timeout}")
    notify = Notify(
        name=reader.get("name") or f"{kind}-{index + 1}",
        kind=kind,
        url=url,
        command=command,
        token_env=token_env,
        events=tuple(events),
        timeout=timeout,
    )
    reader.finish()
    return notify


def _maintenance(file: Path, index: int, table: Any, known: set[str]) -> Maintenance:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    reader = _Reader(file, f"maintenance[{index}]", table, "maintenance")
    sites = reader.get("sites")
    if not sites:
        reader.fail("sites", 'names from [[sites]], or ["*"] (required)')
    for site in sites:
        if site != "*" and site not in known:
            reader.fail("sites", f'names from [[sites]] or "*", got {site!r}')
    duration = reader.get("duration")
    if duration is None or not timedelta(0) < duration <= timedelta(days=7):
        reader.fail("duration", "a duration above 0 and at most 7d (required)")
    start_text, every, at_text = reader.get("start"), reader.get("every"), reader.get("at")
    zone = reader.get("timezone")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        reader.fail("timezone", f'an IANA time zone such as "Europe/Rome", got {zone!r}')
    start = None
    if start_text is not None:
        try:
            start = datetime.fromisoformat(start_text)
        except ValueError:
            reader.fail("start", f"an ISO 8601 date-time, got {start_text!r}")
        assert start is not None
        start = start.replace(tzinfo=start.tzinfo or ZoneInfo(zone)).astimezone(UTC)
    days: tuple[int, ...] = ()
    at = None
    if every is not None or at_text is not None:
        if start is not None:
            reader.fail("start", "either start (one-off) or every and at (weekly), not both")
        for day in every or []:
            if day.lower()[:3] not in WEEKDAYS:
                reader.fail("every", f"days among {', '.join(WEEKDAYS)}, got {day!r}")
        days = tuple(sorted({WEEKDAYS.index(d.lower()[:3]) for d in every or []}))
        if not days:
            reader.fail("every", "the days of a weekly slot (with at)")
        hour, _, minute = (at_text or "").partition(":")
        if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
            reader.fail("at", f'a local time "HH:MM" (with every), got {at_text!r}')
        at = (int(hour), int(minute))
    elif start is None:
        reader.fail("start", "a start (one-off), or every and at (a weekly slot)")
    window = Maintenance(
        sites=tuple(sites),
        duration=duration,
        start=start,
        every=days,
        at=at,
        timezone=zone,
        reason=reader.get("reason") or "",
    )
    reader.finish()
    return window


def _listen(reader: _Reader, key: str, value: str | None) -> str | None:
    if value is None:
        return None
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        reader.fail(key, f'"host:port" such as "127.0.0.1:9464", got {value!r}')
    return value


def _tables(top: _Reader, data: dict[str, Any], key: str, what: str, read: Any) -> tuple[Any, ...]:
    """An array of tables (`[[sites]]`, `[[notify]]`), each read by `read`, names unique."""
    raw = data.get(key, [])
    if not isinstance(raw, list):
        top.fail(key, f"an array of tables ([[{key}]])")
    items = tuple(read(top.file, i, table) for i, table in enumerate(raw))
    names = [item.name for item in items]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{top.file}: key '{key}': {what} name {name!r} appears twice")
    return items


def load_config(state_root: Path) -> Config:
    """Read `<state>/sisyphus.toml`; a missing file gives the defaults."""
    file = state_root / CONFIG_NAME
    try:
        raw = read_file(file, 1 << 20)
    except FileNotFoundError:
        return Config()
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"{file}: cannot be read: {reason}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ConfigError(f"{file}: nested too deep") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{file}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    return parse_config(file, data)


def parse_config(file: Path, data: dict[str, Any]) -> Config:
    top = _Reader(file, "", data)
    room = _Reader(file, "room", data.get("room", {}))
    slo = _Reader(file, "slo", data.get("slo", {}))
    backups = _Reader(file, "backups", data.get("backups", {}))
    containers = _Reader(file, "containers", data.get("containers", {}))
    incidents = _Reader(file, "incidents", data.get("incidents", {}))
    metrics = _Reader(file, "metrics", data.get("metrics", {}))
    top.used.update({"room", "slo", "backups", "containers", "incidents", "sites", "notify"})
    top.used.add("maintenance")
    top.used.add("metrics")

    roles = room.get("roles")
    for role in roles:
        if not ROLE_PATTERN.match(role):
            room.fail("roles", f"role names of [a-z0-9][a-z0-9_-]*, got {role!r}")
    sites = _tables(top, data, "sites", "site", _site)
    channels = _tables(top, data, "notify", "channel", _notify)
    raw_windows = data.get("maintenance", [])
    if not isinstance(raw_windows, list):
        top.fail("maintenance", "an array of tables ([[maintenance]])")
    known = {site.name for site in sites}
    windows = tuple(_maintenance(file, i, t, known) for i, t in enumerate(raw_windows))
    owner = room.get("owner")
    if not ROLE_PATTERN.match(owner):
        room.fail("owner", f"a role name of [a-z0-9][a-z0-9_-]*, got {owner!r}")
    vantage = room.get("vantage")
    if vantage is not None and not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$", vantage):
        room.fail("vantage", f"a short name of letters, digits, '.', '_' or '-', got {vantage!r}")
    metrics_token = metrics.get("token_env")
    if metrics_token is not None and not ENV_NAME.match(metrics_token):
        metrics.fail("token_env", f"the name of an environment variable, got {metrics_token!r}")

    open_after = incidents.get("open_after")
    recover_after = incidents.get("recover_after")
    for key, value in (("open_after", open_after), ("recover_after", recover_after)):
        if value < 1:
            incidents.fail(key, f"a count of at least 1, got {value}")
    freeze_below = float(slo.get("freeze_below"))
    if not 0 <= freeze_below <= 1:
        slo.fail("freeze_below", f"a share between 0 and 1, got {freeze_below}")
    latency = float(slo.get("latency_p95_ms"))
    if latency <= 0:
        slo.fail("latency_p95_ms", f"a positive number of milliseconds, got {latency}")
    tls_min_days = float(slo.get("tls_min_days"))
    if tls_min_days < 0:
        slo.fail("tls_min_days", f"a number of days, 0 or more, got {tls_min_days}")
    config = Config(
        path=file,
        stale_after=room.get("stale_after"),
        probe_interval=room.get("probe_interval"),
        roles=tuple(roles),
        slo_window=slo.get("window"),
        freeze_below=freeze_below,
        availability=slo.get("availability"),
        latency_p95_ms=latency,
        tls_min_days=tls_min_days,
        backup_max_age=slo.get("backup_max_age"),
        sites=sites,
        backups_path=backups.get("path"),
        containers_command=containers.get("command"),  # a tab may stand in it
        containers_timeout=containers.get("timeout"),
        open_after=open_after,
        recover_after=recover_after,
        suspect_window=incidents.get("suspect_window"),
        confirm_after=incidents.get("confirm_after"),
        owner=owner,
        vantage=vantage,
        verify_window=room.get("verify_window"),
        require_verify=room.get("require_verify"),
        unread_after=room.get("unread_after"),
        take_over=room.get("take_over"),
        intent_after=room.get("intent_after"),
        idle_after=room.get("idle_after"),
        notify=channels,
        maintenance=windows,
        metrics_listen=_listen(metrics, "listen", metrics.get("listen")),
        metrics_token_env=metrics_token,
    )
    for reader in (top, room, slo, backups, containers, incidents, metrics):
        reader.finish()
    return config
