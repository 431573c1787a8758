"""SVG snapshots of the screens people see, at 80×24 and 160×48 (plain `def` tests, as the plugin needs)."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tui.app import RoomApp, make_app
from tui.base.clock import ManualClock
from tui.base.config_reading import load_config
from tui.demo.sample import SAMPLE_NOW, prepare_demo
from tui.ops.checks import ProbeResult
from widgets.screens.ticket import TicketScreen

SIZES = [(80, 24), (160, 48)]


def sample_room(tmp_path: Path, theme: str = "room", *, incident: bool = False) -> RoomApp:
    """The sample at a path that is the same in every run: the header shows where it is.

    With `incident`, memorial-b's failing rounds go through the round engine, which opens an
    incident (for the incident view)."""
    fixed = Path(tempfile.gettempdir()) / f"sisyphus-snapshot-{tmp_path.name}"
    shutil.rmtree(fixed, ignore_errors=True)
    demo = prepare_demo(now=SAMPLE_NOW, target=fixed / "state")
    record_fixed_probes(demo.root)
    record_fixed_deliveries(demo.root)
    if incident:
        record_an_incident(demo.root)
    return make_app(
        demo.root,
        load_config(demo.root),
        demo=demo,
        clock=ManualClock(SAMPLE_NOW),
        watch=False,
        crew=False,
        theme=theme,
        probe=False,
    )


def memorial_b_down(at: datetime) -> ProbeResult:
    """The sample's failing site, as one probe sees it."""
    return ProbeResult(
        "memorial-b",
        "http",
        False,
        21.0,
        "503 Service Unavailable (expected 200)",
        at,
        {"status": 503},
    )


def record_fixed_probes(root: Path) -> None:
    """A few rounds of known results, so the probes pane is the same in every run."""
    from tui.ops.probe_store import ProbeStore

    store = ProbeStore(root / ".room", read_only=False)
    for minute in range(6):
        at = SAMPLE_NOW - timedelta(minutes=5 - minute)
        store.record(
            [
                ProbeResult(
                    "memorial-a", "http", True, 80.0 + minute * 7, "200 OK", at, {"status": 200}
                ),
                memorial_b_down(at),
                ProbeResult(
                    "bakery", "http", minute != 2, 40.0 + minute, "200 OK", at, {"status": 200}
                ),
                ProbeResult("library", "http", True, 35.0, "200 OK", at, {"status": 200}),
                ProbeResult(
                    "gallery", "http", True, 650.0 + minute * 20, "200 OK", at, {"status": 200}
                ),
                ProbeResult(
                    None, "backup", True, None, "newest backup is 5h00m old", at, {"age_s": 18000}
                ),
            ]
        )


def record_an_incident(root: Path) -> None:
    from tui.ops.engine import Operations

    ops = Operations(root, load_config(root), writer=True, now=SAMPLE_NOW)
    for minute in range(4):
        at = SAMPLE_NOW - timedelta(minutes=4 - minute)
        ops.record([memorial_b_down(at)], at)
    assert ops.view(SAMPLE_NOW).open_incidents


def record_fixed_deliveries(root: Path) -> None:
    """The sample's deliveries with known verdicts (a round's checks, without the network)."""
    from tui.bus.scanner import Scanner
    from tui.ops.deliveries import DeliveryBook

    book = DeliveryBook(root, root / ".room", read_only=False)
    book.learn(Scanner(root).scan().tickets, timedelta(days=7), SAMPLE_NOW)
    failures = {
        "T-0114": "answers 200 OK but 'new index' is not in the page",
        "T-0136": "answers 503 Service Unavailable (expected 200)",
        "T-0137": "staging.bakery.invalid does not resolve",
    }
    verdicts = {
        d.key: (d.ticket not in failures, failures.get(d.ticket, "answers 200 OK"))
        for d in book.all()
    }
    assert set(failures) < {d.ticket for d in book.all()}
    book.record(verdicts, SAMPLE_NOW - timedelta(minutes=1))
    book.save()


async def wait_for_bus(pilot: Any) -> None:
    app = pilot.app
    for _ in range(200):
        if app.ready:
            break
        await pilot.pause(0.02)
    await pilot.pause()


def opening(keys: tuple[str, ...], screen: type) -> Any:
    """A run_before that presses `keys` once the bus is read (toasts cleared: they are in the
    main-screen snapshots) and waits for `screen` to be on top."""

    async def run_before(pilot: Any) -> None:
        await wait_for_bus(pilot)
        pilot.app.clear_notifications()
        await pilot.press(*keys)
        for _ in range(200):
            if isinstance(pilot.app.screen, screen):
                break
            await pilot.pause(0.02)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(sample_room(tmp_path), terminal_size=size, run_before=wait_for_bus)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_ticket_view(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    open_stale_ticket = opening(("2", "g", "enter"), TicketScreen)
    assert snap_compare(sample_room(tmp_path), terminal_size=size, run_before=open_stale_ticket)


def test_ansi_theme_main_screen(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(
        sample_room(tmp_path, theme="room-ansi"), terminal_size=(80, 24), run_before=wait_for_bus
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def open_help(pilot: Any) -> None:
        await wait_for_bus(pilot)
        pilot.app.clear_notifications()
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(sample_room(tmp_path), terminal_size=size, run_before=open_help)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_deliveries_view(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    from widgets.screens.deliveries import DeliveriesScreen

    open_deliveries = opening(("6",), DeliveriesScreen)
    assert snap_compare(sample_room(tmp_path), terminal_size=size, run_before=open_deliveries)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_incident_view(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    from widgets.screens.incident import IncidentScreen

    open_incident = opening(("5", "enter"), IncidentScreen)
    room = sample_room(tmp_path, incident=True)
    assert snap_compare(room, terminal_size=size, run_before=open_incident)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_flow_view(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    from widgets.screens.flow import FlowScreen

    open_flow = opening(("7",), FlowScreen)
    assert snap_compare(sample_room(tmp_path), terminal_size=size, run_before=open_flow)
