"""Deliveries checked against real loopback servers: live, 503, text missing, a host that does not
resolve, live then broken; `verify` on the done ticket, on an original in the inbox, and on
originals archived in nested folders and under other file names."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers import run_cli, write_config, write_ticket
from tests.servers import Switch, http_server, switch_server
from tui.base.clock import system_clock
from tui.base.config_reading import load_config
from tui.bus.scanner import Scanner
from tui.ops.engine import Operations


def ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_archived(root: Path, folder: str, name: str, **header: object) -> None:
    path = root / "tickets" / "archive" / folder / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["---", *(f"{'from' if k == 'sender' else k}: {v}" for k, v in header.items()), "---"]
    path.write_text("\n".join(lines) + "\nThe request.\n")


@pytest.fixture
def servers() -> Iterator[tuple[int, Switch, int]]:
    switch = Switch()
    switch.up = True
    with http_server() as port, switch_server(switch) as flip:
        yield port, switch, flip


def done(root: Path, role: str, tid: str, minutes: float = 30, **more: object) -> None:
    write_ticket(
        root,
        role,
        tid,
        id=tid,
        sender="operator",
        to=role,
        subject=f"{tid} is done",
        created=ago(minutes),
        status="done",
        **more,
    )


def test_every_kind_of_delivery_gets_its_verdict(
    root: Path, servers: tuple[int, Switch, int]
) -> None:
    port, switch, flip = servers
    base = f"http://127.0.0.1:{port}"
    done(root, "architect", "D-LIVE", verify=f"{base}/ok", deliverable="d")
    done(root, "architect", "D-503", verify=f"{base}/fail", deliverable="d")
    # verify as a mapping, text missing
    path = root / "tickets" / "to_architect" / "D-TEXT.md"
    path.write_text(
        f"---\nid: D-TEXT\nfrom: operator\nto: architect\nstatus: done\ncreated: {ago(20)}\n"
        f"verify:\n  url: {base}/ok\n  status: 200\n  contains: new footer\n---\nDone.\n"
    )
    done(root, "architect", "D-DNS", verify="http://no-such-host.invalid/", deliverable="d")
    # a done response whose original (with verify) is archived in a nested folder under another name
    write_archived(
        root,
        "2026/11",
        "request-about-the-flip",
        id="R-1",
        sender="architect",
        to="operator",
        created=ago(300),
        verify=f"http://127.0.0.1:{flip}/",
    )
    done(root, "architect", "D-FLIP", in_reply_to="R-1", deliverable="d")
    # a done response whose original sits in an inbox
    write_ticket(
        root,
        "operator",
        "R-2",
        id="R-2",
        sender="architect",
        created=ago(200),
        verify=f"{base}/ok",
        deliverable="d",
    )
    done(root, "architect", "D-INBOX", in_reply_to="R-2")
    # done without proof, and one past the window
    done(root, "architect", "D-NOPROOF", deliverable="restore drill log")
    done(root, "architect", "D-OLD", minutes=8 * 24 * 60, verify=f"{base}/fail")
    config = load_config(root)
    ops = Operations(root, config, writer=True, now=system_clock())
    tickets = Scanner(root).scan().tickets
    outcome = ops.round(system_clock, tickets=tickets)
    verdicts = {d.ticket: (d.ok, d.detail) for d in outcome.view.deliveries}
    assert verdicts == {
        "D-LIVE": (True, "answers 200 OK"),
        "D-503": (False, "answers 503 Service Unavailable (expected 200)"),
        "D-TEXT": (False, "answers 200 OK but 'new footer' is not in the page"),
        "D-DNS": (False, "no-such-host.invalid does not resolve"),
        "D-FLIP": (True, "answers 200 OK"),
        "D-INBOX": (True, "answers 200 OK"),
    }
    requests = {d.ticket: d.request for d in outcome.view.deliveries}
    assert requests["D-FLIP"] == "R-1" and requests["D-INBOX"] == "R-2"
    assert outcome.view.unverified == ("D-NOPROOF",)
    assert {d.ticket for d in outcome.turned_not_live} == {"D-503", "D-TEXT", "D-DNS"}
    # Live, then rolled back: announced again as a new failure.
    switch.up = False
    outcome = ops.round(system_clock, tickets=tickets)
    [flipped] = outcome.turned_not_live
    assert flipped.ticket == "D-FLIP" and flipped.live_once and flipped.ok is False
    outcome = ops.round(system_clock, tickets=tickets)
    assert outcome.turned_not_live == ()  # still failing: not new
    # Archived since: still checked until its window ends.
    archived = root / "tickets" / "archive" / "D-LIVE.md"
    (root / "tickets" / "to_architect" / "D-LIVE.md").rename(archived)
    outcome = ops.round(system_clock, tickets=Scanner(root).scan().tickets)
    assert "D-LIVE" in {d.ticket for d in outcome.view.deliveries}


def test_check_and_status_name_what_is_not_live(
    root: Path, servers: tuple[int, Switch, int]
) -> None:
    port, _, _ = servers
    done(root, "architect", "T-0042", minutes=180, verify=f"http://127.0.0.1:{port}/fail")
    done(root, "architect", "T-0043", deliverable="a restore log")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(root, *args)

    result = run("check", "--probe")
    assert result.returncode == 1
    assert (
        f"T-0042 marked done 3h00m ago, not live: http://127.0.0.1:{port}/fail answers 503 "
        "Service Unavailable (expected 200)"
    ) in result.stdout.splitlines()
    assert "T-0043" not in result.stdout  # done, unverified: shown, not an alarm
    data = json.loads(run("status", "--json").stdout)  # what the round recorded, read back
    [delivery] = data["deliveries"]
    assert {k: delivery[k] for k in ("ticket", "role", "ok")} == {
        "ticket": "T-0042",
        "role": "architect",
        "ok": False,
    }
    assert set(delivery) >= {"ticket", "role", "url", "ok", "detail", "done_at", "checked_at"}
    assert data["unverified"] == ["T-0043"]
    (root / "sisyphus.toml").write_text("[room]\nrequire_verify = true\n")
    result = run("check")
    assert (
        "done without proof: T-0043 has a deliverable but no verify ([room] require_verify)"
        in result.stdout
    )


def test_credentials_in_a_verify_url_and_a_long_reason_never_reach_the_screen(root: Path) -> None:
    import socket
    import threading

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    port = sock.getsockname()[1]

    def answer() -> None:  # 503 with a 5 KB reason phrase
        for _ in range(4):
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 503 " + b"x" * 5000 + b"\r\nContent-Length: 0\r\n\r\n")

    threading.Thread(target=answer, daemon=True).start()
    url = f"http://admin:s3cret@127.0.0.1:{port}/health"
    done(root, "architect", "D-SECRET", verify=url, deliverable="d")
    check = run_cli(root, "check", "--probe")
    sock.close()
    status = run_cli(root, "status", "--json")
    [delivery] = json.loads(status.stdout)["deliveries"]
    assert delivery["url"] == f"http://***@127.0.0.1:{port}/health"
    assert delivery["ok"] is False and delivery["detail"].startswith("answers 503 xxx")
    assert len(delivery["detail"]) <= 300
    assert "s3cret" not in status.stdout and "s3cret" not in check.stdout
    assert f"http://***@127.0.0.1:{port}/health answers 503" in check.stdout
    assert "x" * 100 not in check.stdout


def test_silent_verify_urls_never_hold_a_round(root: Path) -> None:
    import time

    from tests.servers import silent_listener
    from tui.ops.delivery_checks import Checker
    from tui.ops.engine import DELIVERY_GRACE

    with silent_listener() as silent, http_server() as port:
        write_config(root, sites={"a": f"http://127.0.0.1:{port}/ok"})
        for number in range(200):
            done(root, "architect", f"D-{number}", verify=f"http://127.0.0.1:{silent}/{number}")
        ops = Operations(root, load_config(root), writer=True, now=system_clock())
        ops.checker.close()
        ops.checker = Checker(timeout=1.0)  # a verify URL's own deadline, shortened for the test
        tickets = Scanner(root).scan().tickets
        try:
            started = time.monotonic()
            first = ops.round(system_clock, tickets=tickets)
            assert time.monotonic() - started < DELIVERY_GRACE + 1.5  # probes + the grace
            assert [r.ok for r in first.results] == [True]  # the site's verdict is on time
            assert ops.checker.under_way() > 150  # the silent ones go on in their own loop
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:  # a later round takes the verdicts that came
                later = ops.round(system_clock, tickets=tickets)
                timed_out = [d for d in later.view.deliveries if d.ok is False]
                if timed_out:
                    break
            assert timed_out and all("timed out" in d.detail for d in timed_out), timed_out[:3]
        finally:
            ops.close()


def test_the_originals_of_many_done_responses_are_found_in_one_archive_walk(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import tui.bus.scanner as scanner

    for number in range(300):  # half by file name, half archived under another name
        name = f"R-{number}" if number % 2 else f"renamed-{number}"
        write_archived(
            root,
            f"2026-{number % 12 + 1:02d}",
            name,
            id=f"R-{number}",
            sender="architect",
            to="operator",
            created=ago(300),
            verify=f"http://127.0.0.1:9/{number}",
        )
        done(root, "architect", f"D-{number}", in_reply_to=f"R-{number}")
    archive = root / "tickets" / "archive"
    walks: list[str] = []
    real = os.scandir

    def counting(path: object = ".") -> object:
        if Path(str(path)) == archive:
            walks.append(str(path))
        return real(path)  # type: ignore[call-overload]

    tickets = Scanner(root).scan().tickets
    ops = Operations(root, load_config(root), writer=True, now=system_clock())
    monkeypatch.setattr(scanner.os, "scandir", counting)
    ops.deliveries.learn(tickets, timedelta(days=7), system_clock())
    ops.close()
    assert len(walks) == 1
    requests = {d.ticket: d.request for d in ops.deliveries.all()}
    assert len(requests) == 300 and all(requests[f"D-{n}"] == f"R-{n}" for n in range(300))
