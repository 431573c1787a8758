"""sisyphus.toml: defaults, and errors that name the file, the key and what was expected."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tui.base.config import ConfigError
from tui.base.config_reading import load_config
from tui.base.durations import format_duration, parse_duration


def write(root: Path, text: str) -> None:
    (root / "sisyphus.toml").write_text(text, encoding="utf-8")


def test_missing_file_gives_defaults(root: Path) -> None:
    config = load_config(root)
    assert config.stale_after == timedelta(hours=1)
    assert config.probe_interval == timedelta(seconds=30)
    assert config.availability == 0.995 and config.freeze_below == 0.20
    assert config.sites == ()


def test_full_example_of_the_spec(root: Path) -> None:
    write(
        root,
        """
[room]
stale_after = "90m"
probe_interval = "30s"
roles = ["architect", "operator"]
[slo]
window = "30d"
freeze_below = 0.20
availability = 0.995
latency_p95_ms = 500
tls_min_days = 7
backup_max_age = "26h"
[[sites]]
name = "memorial-a"
url = "https://memorial-a.example.org/"
expect_status = 200
timeout = "10s"
verify_tls = true
ca_file = "certs/ca.pem"
dns_name = "memorial-a.example.org"
expect_ns = ["ns1.gandi.net", "ns2.gandi.net"]
expect_a = ["203.0.113.7"]
nameserver = "127.0.0.1:5353"
[backups]
path = "backups"
[containers]
command = "docker ps"
""",
    )
    config = load_config(root)
    assert config.stale_after == timedelta(minutes=90)
    assert config.roles == ("architect", "operator")
    site = config.sites[0]
    assert (
        site.expect_ns == ("ns1.gandi.net", "ns2.gandi.net") and site.nameserver == "127.0.0.1:5353"
    )
    assert config.backups_path == "backups" and config.containers_command == "docker ps"


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ('[room]\nstale_afte = "1h"\n', "room.stale_afte", "no such key"),
        ('[room]\nstale_after = "soon"\n', "room.stale_after", "a duration"),
        ("[room]\nstale_after = 5\n", "room.stale_after", "a duration"),
        ('[room]\nroles = "architect"\n', "room.roles", "a list of strings"),
        ('[room]\nroles = ["Bad Role"]\n', "room.roles", "role names"),
        ("[slo]\navailability = 99.5\n", "slo.availability", "a share above 0 and below 1"),
        ('[slo]\nlatency_p95_ms = "fast"\n', "slo.latency_p95_ms", "a finite number"),
        (
            '[[sites]]\nname = "a"\nurl = "not a url"\n',
            "sites[0].url",
            "an http:// or https:// URL",
        ),
        ('[[sites]]\nname = "a"\n', "sites[0].url", "required"),
        (
            '[[sites]]\nname = "a"\nurl = "https://a/"\nverify_tls = "yes"\n',
            "sites[0].verify_tls",
            "true or false",
        ),
        (
            '[[sites]]\nname = "a"\nurl = "https://a/"\nnameserver = "x:99999"\n',
            "sites[0].nameserver",
            "host:port",
        ),
        ("[surprise]\nx = 1\n", "surprise", "no such key"),
        ("[slo]\navailability = 1.0\n", "slo.availability", "below 1"),
        ("[slo]\nlatency_p95_ms = nan\n", "slo.latency_p95_ms", "a finite number"),
        ("[slo]\ntls_min_days = nan\n", "slo.tls_min_days", "a finite number"),
        ("[slo]\ntls_min_days = " + "9" * 400 + "\n", "slo.tls_min_days", "a finite number"),
        ('[room]\nprobe_interval = "99999999999d"\n', "room.probe_interval", "a duration"),
        ('[[sites]]\nname = "a"\nurl = "http://[::1"\n', "sites[0].url", "an http:// or"),
        (
            '[[sites]]\nname = "a\\u001b]52;c;Y2xpcA==\\u0007"\nurl = "http://a/"\n',
            "sites[0].name",
            "without control characters",
        ),
        ("room = 3\n", "room", "a table"),
    ],
)
def test_errors_name_file_key_and_expectation(
    root: Path, text: str, key: str, expected: str
) -> None:
    write(root, text)
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    message = str(caught.value)
    assert str(root / "sisyphus.toml") in message
    assert f"'{key}'" in message
    assert expected in message


def test_not_toml_names_the_file(root: Path) -> None:
    write(root, "[room\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(root)


def test_durations() -> None:
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("26h") == timedelta(hours=26)
    assert parse_duration("30d") == timedelta(days=30)
    for bad in ("", "1 hour", "-5m", "0s", "5"):
        with pytest.raises(ValueError):
            parse_duration(bad)
    assert format_duration(timedelta(minutes=190)) == "3h10m"
    assert format_duration(timedelta(seconds=45)) == "45s"


def test_a_config_nested_too_deep_is_a_config_error(root: Path) -> None:
    (root / "sisyphus.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ConfigError, match=r"sisyphus\.toml: nested too deep"):
        load_config(root)


def test_every_key_is_in_the_schema_and_every_schema_key_is_read(root: Path) -> None:
    """config_keys is the one list: the reader takes each key's type and default from it, and
    the docs' reference is generated from it. A full file using every key reads without error,
    and a key the schema does not know is refused as unknown."""
    from tui.base.config_keys import ARRAYS, KEYS, TABLES, reference_markdown

    tables: dict[str, list[str]] = {table: [] for table in TABLES}
    for key in KEYS:
        value = key.example
        if (key.table, key.name) == ("notify", "kind"):
            value = '"command"'
        if (key.table, key.name) == ("maintenance", "sites"):
            value = '["memorial-a"]'  # the site the [[sites]] example names
        if (key.table, key.name) == ("maintenance", "start"):
            continue  # a one-off start or a weekly slot (every, at): the weekly one is written
        tables[key.table].append(f"{key.name} = {value}")
    text = ""
    for table, lines in tables.items():
        text += (f"[[{table}]]\n" if table in ARRAYS else f"[{table}]\n") + "\n".join(lines)
        text += "\n\n"
    (root / "sisyphus.toml").write_text(text)
    config = load_config(root)
    assert config.sites[0].name == "memorial-a" and config.notify[0].name == "owner-phone"
    assert config.stale_after == timedelta(minutes=45) and config.availability == 0.999
    reference = reference_markdown()
    for key in KEYS:
        assert f"| `{key.name}` |" in reference
    assert '`"1h"`' in reference and "`[room]`" in reference and "`[[sites]]`" in reference
    (root / "sisyphus.toml").write_text(text.replace("[room]\n", "[room]\nnot_a_key = 1\n"))
    with pytest.raises(ConfigError, match=r"key 'room\.not_a_key': expected no such key"):
        load_config(root)


def test_the_config_defaults_are_the_schema_defaults(root: Path) -> None:
    from tui.base.config import Config
    from tui.base.config_reading import parse_config

    file = root / "sisyphus.toml"
    assert parse_config(file, {}) == Config(path=file)


def test_every_channel_kind_the_config_takes_is_one_the_room_can_send() -> None:
    """A channel kind is a module of tui/ops/channels/ and its name in NOTIFY_KINDS (with the key
    it needs): the two lists must agree, or a valid config would name a kind nothing sends."""
    from tui.base.table_keys import NOTIFY_KINDS
    from tui.ops.channels import KINDS

    assert set(NOTIFY_KINDS) == set(KINDS)
    assert set(NOTIFY_KINDS.values()) <= {"url", "command"}
