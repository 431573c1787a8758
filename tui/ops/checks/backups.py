"""The `backup` check: the age of the newest file under `[backups].path` against
`backup_max_age` (files dated in the future left out). A file walk: run in a thread, so a hanging
mount cannot hold the round."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from tui.base.config import Config, Site
from tui.base.durations import format_duration
from tui.base.sanitize import clean
from tui.ops.checks.base import Check, Probe, ProbeResult, RoundContext

CHECKS = (
    Check(
        "backup",
        per_site=False,
        slos=lambda site, config: ("backups",) if site is None and config.backups_path else (),
        events=lambda result, config: [("backups", result.ok)],
        breaks=lambda result: "backups",
    ),
)


def probe_backup(root: Path, config: Config, now: datetime) -> ProbeResult:
    """Age of the newest file under `[backups].path` against `backup_max_age`."""
    assert config.backups_path is not None
    folder = Path(config.backups_path)
    folder = folder if folder.is_absolute() else root / folder
    newest: float | None = None
    future = 0  # files dated ahead of now: not fresh backups, clock skew or a forged date
    limit = now.timestamp() + 60
    stack = [folder]
    try:
        while stack:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(Path(entry.path))
                    elif entry.is_file() and not entry.name.startswith("."):
                        mtime = entry.stat().st_mtime
                        if mtime > limit:
                            future += 1
                            continue
                        newest = mtime if newest is None else max(newest, mtime)
    except FileNotFoundError:
        return ProbeResult(
            None, "backup", False, None, f"no backup folder at {clean(str(folder))}", now
        )
    except OSError as exc:
        return ProbeResult(
            None, "backup", False, None, clean(f"cannot read {folder}: {exc.strerror}"), now
        )
    skewed = (
        f"; {future} file{'s' if future > 1 else ''} dated in the future left out" if future else ""
    )
    if newest is None:
        return ProbeResult(
            None, "backup", False, None, f"no backup found under {clean(str(folder))}{skewed}", now
        )
    age = timedelta(seconds=now.timestamp() - newest)
    ok = age <= config.backup_max_age
    detail = (
        f"newest backup is {format_duration(age)} old"
        + ("" if ok else f" (limit {format_duration(config.backup_max_age)})")
        + skewed
    )
    return ProbeResult(None, "backup", ok, None, detail, now, {"age_s": int(age.total_seconds())})


async def _start(context: RoundContext, site: Site | None) -> ProbeResult:
    import asyncio

    return await asyncio.to_thread(probe_backup, context.root, context.config, context.now())


PROBE = Probe(
    ("backup",),
    start=_start,
    deadline=lambda site, config: 30.0,
)
