"""The headless watcher as a real process on a real state folder: loopback sites that go down and
come back, a loopback receiver that records every notification, acks and resolves from other
processes, signals and kill -9.

The ladders run on the watcher's clock: `--time-scale 300` makes 60 s of the ladder 0.2 s of the
test and a 30 s probe interval 0.1 s (SPEC's ladder times are unchanged, only faster).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests import schemas
from tests.helpers import http_get, run_cli, write_config, write_ticket
from tests.servers import Recorder, Switch, free_port, recording_server, switch_server
from tui.base.clock import parse_iso

SCALE = 300
WATCH = [sys.executable, "-m", "tui", "watch", "--log-format", "json"]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "SISYPHUS_STATE"}


cli = run_cli


class Watch:
    """A watcher process whose JSON log lines are read as they come."""

    def __init__(self, root: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [*WATCH, "--state", str(root), "--time-scale", str(SCALE), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=(env or _env()),
        )
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.bad: list[str] = []
        self.errors: list[str] = []  # its stderr, read as it comes: a full pipe would block it
        threading.Thread(target=self._read, daemon=True).start()
        self._errors_read = threading.Thread(target=self._read_errors, daemon=True)
        self._errors_read.start()

    def stderr(self) -> str:
        """Everything it wrote to stderr (once it has ended)."""
        self._errors_read.join(10)
        return "".join(self.errors)

    def _read_errors(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.errors.append(line)
            del self.errors[:-200]

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                self.lines.put(schemas.log_line(line))  # each line checked against its schema
            except (AssertionError, ValueError) as exc:
                self.bad.append(f"{exc}: {line!r}")

    def wait_for(self, event: str, timeout: float = 20.0, **fields: Any) -> dict[str, Any]:
        """The first log line of `event` (with these fields) not consumed yet."""
        assert not self.bad, self.bad[0]
        deadline = time.monotonic() + timeout
        for line in self.seen:
            if line["event"] == event and all(line.get(k) == v for k, v in fields.items()):
                self.seen.remove(line)
                return line
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                assert not self.bad, self.bad[0]  # a line off its schema: said, not a time-out
                raise AssertionError(f"no {event} {fields} in {timeout}s; seen {self.seen}")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line["event"] == event and all(line.get(k) == v for k, v in fields.items()):
                return line
            self.seen.append(line)

    def stop(self) -> float:
        """SIGTERM; the seconds the watcher took to stop, by its own clock (`stopping_s` of its
        last line: from the signal to that line). The process must end within 10 s: the
        interpreter's own exit, and a machine loaded by the suite, are not the watcher's doing."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"the watcher did not exit within 10 s of SIGTERM; seen {self.seen[-5:]}, "
                f"stderr {''.join(self.errors[-20:])!r}"
            ) from None
        return float(self.wait_for("watcher stopped", timeout=10)["stopping_s"])

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@contextmanager
def watching(root: Path, *extra: str, env: dict[str, str] | None = None) -> Iterator[Watch]:
    watch = Watch(root, *extra, env=env)
    try:
        yield watch
    finally:
        watch.kill()
    assert not watch.bad, watch.bad[0]  # every log line matched docs/schema/log-line.schema.json


def configure(root: Path, sites: dict[str, int], hook: int | None = None, **room: str) -> None:
    """A probe round every 2 minutes of the watcher's clock: at --time-scale 300 one every 0.4 s,
    often enough for the ladders (60 s, 5 min), rare enough to leave the suite its cores."""
    room.setdefault("probe_interval", "2m")
    write_config(
        root,
        room=room,
        sites={
            name: {"url": f"http://127.0.0.1:{port}/", "timeout": "2s"}
            for name, port in sites.items()
        },
        notify=[{"kind": "webhook", "url": f"http://127.0.0.1:{hook}/hook"}] if hook else None,
    )


def events(received: Recorder | list[tuple[str, dict[str, str], bytes]]) -> list[dict[str, Any]]:
    """The JSON events a webhook receiver got (from the recorder, or from what it waits on)."""
    got = received.received if isinstance(received, Recorder) else received
    return [json.loads(body) for _, _, body in got]


@pytest.fixture
def down() -> Iterator[tuple[Switch, int]]:
    switch = Switch()
    with switch_server(switch) as port:
        yield switch, port


@pytest.fixture
def hook() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    with recording_server(recorder) as port:
        yield recorder, port


def test_an_incident_pages_on_the_ladder_an_ack_stops_it_and_recovery_closes_it(
    root: Path, down: tuple[Switch, int], hook: tuple[Recorder, int]
) -> None:
    switch, port = down
    recorder, hook_port = hook
    configure(root, {"a": port}, hook_port)
    with watching(root, "--time-scale", "600") as watch:  # the last --time-scale counts
        opened = watch.wait_for("incident opened", site="a")
        [first, *_] = recorder.wait_for(
            lambda got: [e for e in events(got) if e["kind"] == "incident"]
        )
        assert (first["kind"], first["tier"], first["state"], first["site"]) == (
            "incident",
            1,
            "firing",
            "a",
        )
        # The first page comes 60 s (watcher's clock) after the incident opened, not before.
        assert parse_iso(first["at"]) - parse_iso(opened["opened_at"]) >= timedelta(seconds=60)
        # Acknowledged from another process, before the second rung (5 min after opening).
        acked = cli(root, "ack", first["id"], "--by", "ops-1", "--note", "looking")
        assert acked.returncode == 0 and "carried out by the watcher" in acked.stdout
        line = watch.wait_for("acknowledged", id=first["id"])
        assert line["by"] == "ops-1"
        # Let the watcher's clock pass the next rungs (5 and 20 min after opening): no page
        # after the ack.
        while True:
            round_line = watch.wait_for("round")
            if parse_iso(round_line["at"]) - parse_iso(opened["opened_at"]) > timedelta(minutes=21):
                break
        pages = [e for e in events(recorder) if e["kind"] == "incident"]
        assert pages[0]["tier"] == 1
        assert all(parse_iso(e["at"]) <= parse_iso(line["at"]) for e in pages), pages
        switch.up = True
        closing = recorder.wait_for(
            lambda got: [
                e for e in events(got) if e["kind"] == "incident" and e["state"] == "resolved"
            ]
        )
        # The closing one carries the rung the incident reached: 1, or more when the ack came
        # late on a loaded machine (600x: the 20-minute rung is 2 s away). Every page, those
        # still in the sender's queue above included, was made before the ack.
        firing = [e for e in events(recorder) if e["kind"] == "incident" and e["state"] == "firing"]
        assert all(parse_iso(e["at"]) <= parse_iso(line["at"]) for e in firing), firing
        assert closing[0]["id"] == first["id"]
        assert closing[0]["tier"] == max(e["tier"] for e in firing)
        assert watch.stop() < 2.0
        assert watch.process.returncode == 0
    data = json.loads(cli(root, "status", "--json").stdout)
    assert data["watcher"] is None  # a watcher that stopped is no longer named
    [incident] = [i for i in data["incidents"] if i["id"] == first["id"]]
    assert incident["state"] == "resolved" and incident["acknowledged_at"] is not None


def test_resolve_by_hand_sends_the_closing_notification(
    root: Path, down: tuple[Switch, int], hook: tuple[Recorder, int]
) -> None:
    _, port = down
    recorder, hook_port = hook
    configure(root, {"a": port}, hook_port)
    with watching(root) as watch:
        [first, *_] = recorder.wait_for(
            lambda got: [e for e in events(got) if e["kind"] == "incident"]
        )
        usage = cli(root, "resolve", first["id"])
        assert usage.returncode == 2 and "--note" in usage.stderr
        unknown = cli(root, "resolve", "INC-nope", "--note", "x")
        assert unknown.returncode == 2
        done = cli(root, "resolve", first["id"], "--note", "restarted php-fpm", "--json")
        assert done.returncode == 0, done.stderr
        answer = json.loads(done.stdout)
        assert answer["ok"] and answer["path"].startswith(".room/requests/")
        closing = recorder.wait_for(
            lambda got: [
                e for e in events(got) if e["kind"] == "incident" and e["state"] == "resolved"
            ]
        )
        assert closing[0]["id"] == first["id"]
        watch.wait_for("resolved by hand", id=first["id"])
        assert watch.stop() < 2.0
    actions = [json.loads(line) for line in (root / ".room" / "actions.jsonl").open()]
    assert [a["action"] for a in actions] == ["resolve"]


def test_status_names_the_watcher_and_check_says_when_it_stopped_probing(
    root: Path, down: tuple[Switch, int]
) -> None:
    _, port = down
    configure(root, {"a": port})
    with watching(root) as watch:
        watch.wait_for("round")  # logged as the round ends; watcher.json follows its events
        deadline = time.monotonic() + 10
        while True:
            watcher = json.loads(cli(root, "status", "--json").stdout)["watcher"]
            if (watcher and watcher["last_round_at"]) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert watcher["pid"] == watch.process.pid and watcher["last_round_at"]
        assert set(watcher) >= {"pid", "host", "since", "last_round_at"}
        # Stop it with SIGSTOP: alive, holding the lock, not probing.
        watch.process.send_signal(signal.SIGSTOP)
        try:
            # The watcher's clock runs 300 times faster: ten minutes past its last round.
            last = json.loads(cli(root, "status", "--json").stdout)["watcher"]["last_round_at"]
            later = parse_iso(last) + timedelta(minutes=10)
            result = cli(root, "check", "--now", later.strftime("%Y-%m-%dT%H:%M:%SZ"))
            assert any(
                line.startswith("nobody is probing since")
                and "alive (frozen, or unable to write its records)" in line
                for line in result.stdout.splitlines()
            ), result.stdout
        finally:
            watch.process.send_signal(signal.SIGCONT)
        second = Watch(root)
        try:
            assert second.process.wait(20) == 1
            assert "holds" in second.stderr()
        finally:
            second.kill()


def test_check_says_nobody_is_probing_after_the_watcher_stops_or_dies(
    root: Path, down: tuple[Switch, int]
) -> None:
    _, port = down
    configure(root, {"a": port})
    with watching(root) as watch:
        watch.wait_for("round")
        assert watch.stop() < 2.0
    result = cli(root, "check")
    assert result.returncode == 1
    [line] = [x for x in result.stdout.splitlines() if x.startswith("nobody is probing since")]
    assert f"pid {watch.process.pid}" in line and "stopped at" in line
    assert json.loads(cli(root, "status", "--json").stdout)["watch_ended"]["how"] == "stopped"
    with watching(root) as watch:
        watch.wait_for("round")
        assert "nobody is probing" not in cli(root, "check").stdout  # watched again
        watch.process.kill()
        watch.process.wait(10)
    [line] = [
        x for x in cli(root, "check").stdout.splitlines() if x.startswith("nobody is probing")
    ]
    assert "is gone (killed or crashed)" in line


def test_kill_9_mid_round_loses_nothing_and_sends_nothing_twice(
    root: Path, down: tuple[Switch, int], hook: tuple[Recorder, int]
) -> None:
    _, port = down
    recorder, hook_port = hook
    configure(root, {"a": port}, hook_port)
    with watching(root) as watch:
        [first, *_] = recorder.wait_for(
            lambda got: [e for e in events(got) if e["kind"] == "incident"]
        )
        # Recorded as sent in the outbox (the log line follows the write): a kill before that
        # write would send it again, by design (at least once; receivers may drop by `key`).
        watch.wait_for("notification sent")
        watch.wait_for("round")
        watch.kill()  # kill -9, most likely mid-round (rounds run back to back at this scale)
    data = json.loads(cli(root, "status", "--json").stdout)
    assert data["watcher"] is None  # dead: not named, and its lock stops nobody
    counted = {(s["site"], s["name"]): s["events"] for s in data["slos"]}
    assert counted[("a", "availability")] >= 3
    with watching(root) as watch:
        watch.wait_for("watcher started")
        second = recorder.wait_for(lambda got: [e for e in events(got) if e["tier"] == 2])
        assert watch.stop() < 2.0
    assert second
    keys = [(e["id"], e["tier"], e["state"]) for e in events(recorder)]
    assert len(keys) == len(set(keys)), keys  # nothing sent twice across the restart
    assert keys[0] == (first["id"], 1, "firing")
    for path in (root / ".room").rglob("*.json"):
        json.loads(path.read_bytes())  # every file whole
    after = json.loads(cli(root, "status", "--json").stdout)
    for slo in after["slos"]:  # what was counted before the kill is still counted
        assert slo["events"] >= counted[(slo["site"], slo["name"])], slo


def test_a_refusing_channel_is_retried_reported_and_never_holds_a_round(
    root: Path, down: tuple[Switch, int], hook: tuple[Recorder, int]
) -> None:
    _, port = down
    recorder, hook_port = hook
    recorder.status = 503  # the receiver refuses
    configure(root, {"a": port}, hook_port)
    with watching(root) as watch:
        failed = watch.wait_for("notification failed, will retry")
        assert failed["error"] == "answered 503 Service Unavailable" and failed["attempt"] == 1
        while True:  # probing goes on meanwhile: rounds keep coming after the failure
            later = watch.wait_for("round")
            if parse_iso(later["at"]) - parse_iso(failed["at"]) > timedelta(minutes=3):
                break
        data = json.loads(cli(root, "status", "--json").stdout)
        assert data["notifications"]["pending"] >= 1
        assert data["notifications"]["retrying"][0]["error"] == "answered 503 Service Unavailable"
        recorder.status = 200  # the receiver is back: the retry gets through
        # The failed first rung is delivered by its retry (later rungs may overtake it).
        recorder.wait_for(
            lambda got: [e for e in events(got) if e["kind"] == "incident" and e["tier"] == 1],
            timeout=20,
        )
        watch.wait_for("notification sent")
        assert watch.stop() < 2.0


def test_secrets_come_from_the_environment_and_never_appear_anywhere(
    root: Path, down: tuple[Switch, int], hook: tuple[Recorder, int]
) -> None:
    _, port = down
    recorder, hook_port = hook
    configure(root, {"a": port})
    with (root / "sisyphus.toml").open("a") as config:
        config.write(
            f'[[notify]]\nkind = "ntfy"\nurl = "http://127.0.0.1:{hook_port}/sisyphus"\n'
            'token_env = "NTFY_TOKEN"\n'
        )
    secret = "tk_s3cret_value_123"
    with watching(root, env=_env() | {"NTFY_TOKEN": secret}) as watch:
        [(path, headers, body)] = recorder.wait_for(lambda got: got)
        assert path == "/sisyphus" and headers["Authorization"] == f"Bearer {secret}"
        assert headers["Title"].startswith("Sisyphus: incident") and headers["Priority"] == "high"
        assert body.decode().startswith("INC-") and "firing" in body.decode()
        data = cli(root, "status", "--json").stdout
        assert watch.stop() < 2.0
        log = json.dumps(watch.seen)
    assert secret not in data and secret not in log
    for path in (root / ".room").rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_sighup_reloads_and_a_bad_config_is_logged_and_the_old_one_kept(
    root: Path, down: tuple[Switch, int]
) -> None:
    _, port = down
    configure(root, {"a": port})
    with watching(root) as watch:
        watch.wait_for("round")
        (root / "sisyphus.toml").write_text("[room]\nprobe_interval = 'soon'\n")
        watch.process.send_signal(signal.SIGHUP)
        line = watch.wait_for("config not reloaded")
        assert "probe_interval" in line["error"] and line["kept"] == "the old config"
        watch.wait_for("round")  # still probing the old sites
        configure(root, {"a": port, "b": port})
        watch.process.send_signal(signal.SIGHUP)
        assert watch.wait_for("config reloaded")["sites"] == 2
        line = watch.wait_for("round")
        line = watch.wait_for("round")
        assert line["checks"] == 2
        assert watch.stop() < 2.0


def test_a_bad_config_at_start_is_exit_2(root: Path) -> None:
    (root / "sisyphus.toml").write_text('[[notify]]\nkind = "pager"\nurl = "http://x/"\n')
    result = cli(root, "watch")
    assert result.returncode == 2
    assert "key 'notify[0].kind': expected one of webhook, ntfy, command, alertmanager" in (
        result.stderr
    )


def test_two_acks_at_the_same_moment_both_land(root: Path) -> None:
    long_ago = (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for name in ("Q-1", "Q-2"):
        write_ticket(
            root,
            "operator",
            name,
            sender="architect",
            status="needs_clarification",
            created=long_ago,
            deliverable="d",
        )
    with watching(root) as watch:
        watch.wait_for("stale raised", ticket="Q-1")
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "tui", "ack", name, "--state", str(root)],
                stdout=subprocess.PIPE,
                text=True,
                env=_env(),
            )
            for name in ("Q-1", "Q-2")
        ]
        assert [p.wait(30) for p in procs] == [0, 0]
        for name in ("Q-1", "Q-2"):
            watch.wait_for("acknowledged", id=name)
        assert watch.stop() < 2.0
    acks = json.loads((root / ".room" / "acks.json").read_text())
    assert sorted(doc["ticket"] for doc in acks["_default"].values()) == ["Q-1", "Q-2"]
    unknown = cli(root, "ack", "T-none")
    assert unknown.returncode == 2 and "no ticket or incident" in unknown.stdout


def test_ack_with_no_writer_acts_itself(root: Path) -> None:
    write_ticket(
        root,
        "operator",
        "Q-1",
        sender="architect",
        status="needs_clarification",
        created="2026-01-01T00:00:00Z",
        deliverable="d",
    )
    result = cli(root, "ack", "Q-1", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["path"] == ".room/acks.json"
    assert "Q-1" in (root / ".room" / "acks.json").read_text()


def test_a_delivery_that_is_not_live_is_sent_on_the_ladder(
    root: Path, down: tuple[Switch, int], hook: tuple[Recorder, int]
) -> None:
    _, port = down
    recorder, hook_port = hook
    configure(root, {"a": port}, hook_port)
    created = (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    write_ticket(
        root,
        "architect",
        "T-0042",
        id="T-0042",
        sender="operator",
        status="done",
        created=created,
        verify=f"http://127.0.0.1:{port}/",
    )
    with watching(root) as watch:
        line = watch.wait_for("delivery not live", ticket="T-0042")
        assert line["detail"] == "answers 503 Service Unavailable (expected 200)"
        [event, *_] = recorder.wait_for(
            lambda got: [e for e in events(got) if e["kind"] == "delivery"]
        )
        assert event["ticket"] == "T-0042" and event["text"].startswith("T-0042 marked done 3h0")
        assert "not live: http://127.0.0.1:" in event["text"]
        assert watch.stop() < 2.0


def test_metrics_off_loopback_need_a_bearer_token(root: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    (root / "sisyphus.toml").write_text(f'[metrics]\nlisten = "0.0.0.0:{port}"\n')
    refused = cli(root, "watch")
    assert refused.returncode == 2
    assert "not loopback: set [metrics] token_env" in refused.stderr
    (root / "sisyphus.toml").write_text(
        f'[metrics]\nlisten = "0.0.0.0:{port}"\ntoken_env = "METRICS_TOKEN"\n'
    )
    with watching(root, env=_env() | {"METRICS_TOKEN": "s3cret"}) as watch:
        started = watch.wait_for("watcher started")
        assert started["metrics"].endswith("/metrics (bearer token)")
        url = f"http://127.0.0.1:{port}/metrics"
        assert http_get(url).status_code == 401
        assert http_get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
        answer = http_get(url, headers={"Authorization": "Bearer s3cret"})
        assert answer.status_code == 200 and "sisyphus_deploy_freeze" in answer.text
        lower = http_get(url, headers={"Authorization": "bearer s3cret"})  # any case of scheme
        assert lower.status_code == 200
        assert http_get(url, headers={"Authorization": "Basic s3cret"}).status_code == 401
        assert watch.stop() < 2.0


def test_metrics_listen_on_ipv6_loopback(tmp_path: Path) -> None:
    import socket

    from tui.base.config_reading import parse_config
    from tui.ops.metrics import Metrics, MetricsServer

    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    with socket.socket(socket.AF_INET6) as sock:
        try:
            sock.bind(("::1", 0))
        except OSError:
            pytest.skip("no ::1 on this machine")
        port = sock.getsockname()[1]
    config = parse_config(tmp_path / "sisyphus.toml", {"metrics": {"listen": f"[::1]:{port}"}})
    server = MetricsServer(Metrics(config, "probe-1"), config)
    server.start()
    try:
        answer = http_get(f"http://[::1]:{port}/metrics")
        assert answer.status_code == 200 and "sisyphus_deploy_freeze" in answer.text
    finally:
        server.stop()


def test_sighup_moves_the_metrics_endpoint_or_keeps_the_old_one_and_says_so(
    root: Path, down: tuple[Switch, int]
) -> None:
    import socket

    import httpx

    _, port = down

    def write(sites: dict[str, int], listen: int, token: bool = False) -> None:
        configure(root, sites)
        extra = f'\n[metrics]\nlisten = "127.0.0.1:{listen}"\n'
        if token:
            extra += 'token_env = "METRICS_TOKEN"\n'
        with (root / "sisyphus.toml").open("a") as handle:
            handle.write(extra)

    first, second = free_port(), free_port()
    write({"a": port, "b": port}, first)
    with watching(root, env=_env() | {"METRICS_TOKEN": "s3cret"}) as watch:
        watch.wait_for("round")
        assert 'site="b"' in http_get(f"http://127.0.0.1:{first}/metrics").text
        write({"a": port}, second, token=True)
        watch.process.send_signal(signal.SIGHUP)
        watch.wait_for("config reloaded")
        watch.wait_for("round")
        url = f"http://127.0.0.1:{second}/metrics"
        assert http_get(url).status_code == 401
        answer = http_get(url, headers={"Authorization": "Bearer s3cret"})
        assert answer.status_code == 200 and 'site="b"' not in answer.text
        with pytest.raises(httpx.ConnectError):
            http_get(f"http://127.0.0.1:{first}/metrics")
        with socket.socket() as taken:  # a new address already in use: the old one is kept
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            write({"a": port}, taken.getsockname()[1], token=True)
            watch.process.send_signal(signal.SIGHUP)
            line = watch.wait_for("metrics not reloaded")
            assert line["kept"] == "the old endpoint"
            kept = http_get(url, headers={"Authorization": "Bearer s3cret"})
            assert kept.status_code == 200
        assert watch.stop() < 2.0


def test_a_new_outage_under_an_acknowledged_burn_incident_pages_again(
    root: Path, down: tuple[Switch, int], hook: tuple[Recorder, int]
) -> None:
    from tests.helpers import acknowledged_burn
    from tui.ops.incidents import IncidentBook

    _, port = down
    recorder, hook_port = hook
    configure(root, {"a": port}, hook_port)
    room = root / ".room"
    room.mkdir(exist_ok=True)
    book = IncidentBook(room, read_only=False)
    opened = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    book.incidents.append(acknowledged_burn("a", opened))
    book.save()
    # Its first episode's pages went out before (their keys are in the outbox's sent list).
    (room / "outbox.json").write_text(
        json.dumps(
            {
                "pending": [],
                "failed": [],
                "sent": [f"webhook-1|incident:INC-burn:{tier}:firing" for tier in (1, 2)],
            }
        )
    )
    with watching(root) as watch:
        line = watch.wait_for("incident fired again", id="INC-burn")
        assert line["episode"] == 2
        [page] = recorder.wait_for(
            lambda got: [e for e in events(got) if e["id"] == "INC-burn" and e["state"] == "firing"]
        )
        assert page["tier"] == 1 and page["key"] == "incident:INC-burn:1:firing:episode-2"
        assert watch.stop() < 2.0


def test_with_five_minute_rounds_a_confirmed_outage_pages_before_the_next_round(
    root: Path, down: tuple[Switch, int], hook: tuple[Recorder, int]
) -> None:
    """probe_interval 5m, open_after 3: the failing check is probed again every confirm_after
    (20 s) instead of waiting two more rounds (10 minutes); the incident opens on the third
    failure and the first page follows at the ladder's 60 s. Times are the watcher's clock."""
    recorder, hook_port = hook
    _, port = down
    configure(root, {"a": port}, hook=hook_port, probe_interval="5m")
    # At 30x the watcher's quarter-second loop is 7.5 s of its clock (at the usual 300x it
    # would be 75 s, coarser than the 20 s being tested).
    with watching(root, "--time-scale", "30") as watch:
        down_seen = parse_iso(watch.wait_for("round")["at"])  # the first failing round ends
        first = watch.wait_for("confirmation")
        assert first["sites"] == "a" and first["failing"] == "a"
        opened = watch.wait_for("incident opened", site="a")
        sent = watch.wait_for("notification sent")
        assert sent["notification"].endswith(":1:firing")
        # Opened and paged before the second round (5 minutes on), where three failing rounds
        # would have taken 10. The margins are wide on purpose: at 30x a loaded machine's
        # tenths of a second are seconds of the watcher's clock. At 1x the page comes ~100 s
        # after the first failing round (two confirmations 20 s apart, then the 60 s rung).
        assert parse_iso(opened["opened_at"]) - down_seen < timedelta(minutes=3)
        assert parse_iso(sent["at"]) - down_seen < timedelta(minutes=5)
        assert not [line for line in watch.seen if line["event"] == "round"]  # no second round
        assert recorder.received  # the page reached the webhook
        # Budgets count the rounds' probes only: one round so far, one bad availability event.
        status = json.loads(cli(root, "status", "--json").stdout)
        [availability] = [s for s in status["slos"] if s["name"] == "availability"]
        assert availability["events"] == availability["bad_events"] == 1
        assert watch.stop() < 2.0
