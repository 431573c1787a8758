"""A room attached to a watcher that stops: it says nobody is probing, offers `W`, and after it
probes and records itself (or at once with `[room] take_over = true`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.support import settle
from tests.helpers import write_config
from tests.integration.test_headless import Watch
from tests.servers import Switch, switch_server
from tui.app import make_app
from tui.base.clock import system_clock
from tui.base.config_reading import load_config
from widgets.panes.header import StatusBar


@pytest.mark.parametrize("automatic", [False, True])
async def test_a_room_takes_over_from_a_watcher_that_stopped(root: Path, automatic: bool) -> None:
    switch = Switch()
    switch.up = True
    with switch_server(switch) as port:
        write_config(
            root,
            room={"probe_interval": "1s", "take_over": automatic},
            sites={"a": f"http://127.0.0.1:{port}/"},
        )
        watch = Watch(root)
        try:
            watch.wait_for("round")
            app = make_app(root, load_config(root), clock=system_clock, watch=False, probe=True)
            async with app.run_test(size=(120, 40), notifications=True) as pilot:
                await settle(pilot, app, lambda: app.watcher is not None and not app.writer, 20)
                watch.stop()
                if not automatic:
                    await settle(
                        pilot,
                        app,
                        lambda: "nobody probing" in str(app.query_one(StatusBar).visual),
                        seconds=20,
                    )
                    assert any("Press W" in n.message for n in app._notifications)
                    await pilot.press("W")
                await settle(pilot, app, lambda: app.writer, 20)
                probes = root / ".room" / "probes.json"
                before = probes.stat().st_mtime_ns
                await settle(
                    pilot, app, lambda: probes.stat().st_mtime_ns != before, 20
                )  # it records
                assert "nobody probing" not in str(app.query_one(StatusBar).visual)
        finally:
            watch.kill()
