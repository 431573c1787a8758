"""The SLO history store: a full 30-day window for 50 sites, its size, load and write times."""

from __future__ import annotations

import gc
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui.base.config import Config, Site
from tui.ops.budgets import report
from tui.ops.checks import ProbeResult
from tui.ops.history import History

SITES = 50


def bench_store() -> None:
    sites = tuple(
        Site(f"site-{n:02d}", f"https://site-{n:02d}.example/", dns_name=f"site-{n:02d}.example")
        for n in range(SITES)
    )
    config = Config(
        sites=sites,
        slo_window=timedelta(days=30),
        backups_path="backups",
        containers_command="true",
    )
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        history = History(folder, read_only=False, window=config.slo_window)
        start = now - timedelta(days=30)
        build = time.perf_counter()
        for minute in range(30 * 24 * 60):
            at = start + timedelta(minutes=minute)
            history.add(round_at(sites, at, ok=minute % 97 != 0), config)
            if minute % 60 == 59:
                history.save(at)
        history.save(now)
        build = time.perf_counter() - build
        size = sum(path.stat().st_size for path in (folder / "history").iterdir()) / 1e6
        loads = []
        for _ in range(5):
            begin = time.perf_counter()
            History(folder, read_only=True, window=config.slo_window)
            loads.append(time.perf_counter() - begin)
        # As the room does: the history read at start-up, then frozen with everything else the
        # start-up built (gc.freeze), so collections do not walk half a million counts each round.
        history = History(folder, read_only=False, window=config.slo_window)
        gc.collect()
        gc.freeze()
        writes, folds = [], []
        for minute in range(200):  # three hours and more: three hourly folds among them
            at = now + timedelta(minutes=minute)
            begin = time.perf_counter()
            history.add(round_at(sites, at, ok=True), config)
            history.save(at)
            spent = time.perf_counter() - begin
            (folds if at.minute == 0 else writes).append(spent)
        evaluations = []
        for _ in range(3):
            begin = time.perf_counter()
            report(history, config, now)
            evaluations.append(time.perf_counter() - begin)
        print(
            f"SLO history, 30 days × {SITES} sites × 7 SLOs (one probe a minute): "
            f"{size:.1f} MB on disk (target < 20 MB); load median {statistics.median(loads) * 1000:.0f} ms "
            f"(target < 500 ms); one round added and written: median {statistics.median(writes) * 1000:.1f} ms, "
            f"max {max(writes) * 1000:.1f} ms over {len(writes)} rounds; the rounds that fold an hour into "
            f"its day file: {', '.join(f'{fold * 1000:.1f}' for fold in folds)} ms (target < 20 ms); "
            f"budgets of every SLO evaluated "
            f"in {statistics.median(evaluations) * 1000:.0f} ms; generating the month took {build:.0f} s"
        )


def round_at(sites: tuple[Site, ...], at: datetime, ok: bool) -> list[ProbeResult]:
    results = []
    for site in sites:
        results.append(ProbeResult(site.name, "http", ok, 120.0, "200 OK", at, {"status": 200}))
        results.append(
            ProbeResult(
                site.name,
                "tls",
                True,
                None,
                "certificate expires in 60 days",
                at,
                {"days_left": 60.0},
            )
        )
        results.append(ProbeResult(site.name, "dns", True, 3.0, "NS and A as expected", at))
    results.append(ProbeResult(None, "backup", True, None, "newest backup is 3h00m old", at))
    results.append(ProbeResult(None, "containers", True, 40.0, "50 running", at))
    return results
