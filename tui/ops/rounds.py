"""One probe round: every configured check at once, results handed on as they arrive.

One TLS context per setting (made once), a semaphore in front of the probes, a deadline per probe
and one for the round: a probe still unanswered at the round's deadline becomes a failed result.
`Arrivals` hands a screen the results as they come, a few times a round at most.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.base.config import Config, Site
from tui.ops.checks import PROBES, ProbeResult, RoundContext, checks_for, containers
from tui.ops.checks.base import site_deadline

CONCURRENCY = 32


def _ssl_context(root: Path, site: Site) -> ssl.SSLContext:
    if not site.verify_tls:
        return _unverifying_context()
    if site.ca_file:
        path = Path(site.ca_file)
        path = path if path.is_absolute() else root / path
        found = path.stat()
        return _verifying_context(str(path), (found.st_mtime_ns, found.st_size))
    return _verifying_context(None, None)


@functools.lru_cache(maxsize=16)
def _verifying_context(cafile: str | None, _version: tuple[int, int] | None) -> ssl.SSLContext:
    """Made once, not each round: loading the system's CA certificates costs ~40 ms of CPU. A
    site's own CA file is loaded again when it changes (its time and size are in the key)."""
    return ssl.create_default_context(cafile=cafile)


@functools.lru_cache(maxsize=1)
def _unverifying_context() -> ssl.SSLContext:
    """`verify_tls = false`: any certificate is taken (its expiry is still read)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


Arrived = Callable[[list[ProbeResult]], None]


class Arrivals:
    """A round's results as they arrive, handed on at most every `every` seconds from the round's
    start (a screen redraws a few times a round, not once per probe; a round over within `every`
    hands on nothing, and its end shows it once), with the sites not heard from yet once the round
    has run `patience` seconds: a quick round flashes no "waiting" over a slow link."""

    def __init__(
        self,
        sites: list[str],
        deliver: Callable[[list[ProbeResult], frozenset[str]], object],
        every: float = 0.2,
        patience: float = 1.0,
    ) -> None:
        self.waiting, self.deliver, self.every = set(sites), deliver, every
        self.buffer: list[ProbeResult] = []
        self.started = self.last = time.monotonic()
        self.patience = patience
        self._lock = threading.Lock()
        self._timer = threading.Timer(patience, self._still_waiting)
        self._timer.daemon = True
        self._timer.start()

    def _waiting(self) -> frozenset[str]:
        late = time.monotonic() - self.started >= self.patience
        return frozenset(self.waiting) if late else frozenset()

    def __call__(self, batch: list[ProbeResult]) -> None:
        with self._lock:
            self.buffer.extend(batch)
            self.waiting.difference_update(r.site for r in batch)
            if not self.waiting:
                self._timer.cancel()
            if time.monotonic() - self.last >= self.every:
                self.last = time.monotonic()
                self.deliver(self.buffer.copy(), self._waiting())
                self.buffer.clear()

    def _still_waiting(self) -> None:
        with self._lock:
            if self.waiting:  # the round goes on: say which sites it waits for
                self.deliver(self.buffer.copy(), self._waiting())
                self.buffer.clear()


@dataclass(frozen=True)
class _Job:
    """One probe of a round: the checks it answers for and the coroutine that answers."""

    site: str | None
    checks: tuple[str, ...]
    work: Any


def round_deadline(config: Config) -> float:
    """Seconds a whole round may take: the slowest probe's own deadline, and a margin."""
    longest = max(
        [site_deadline(site, config) for site in config.sites]
        + [containers.PROBE.deadline(None, config)]
    )
    return longest + 3


async def probe_round(
    root: Path,
    config: Config,
    now: Callable[[], datetime],
    concurrency: int = CONCURRENCY,
    on_result: Arrived | None = None,
) -> list[ProbeResult]:
    """One round over every configured check. Never raises.

    Each probe's results are handed to `on_result` as soon as they arrive (one slow site does not
    hold the others). A probe still unanswered at the round's deadline becomes a failed result.
    """
    from tui.ops.failures import failure_reason  # a room's start does not need it

    gate = asyncio.Semaphore(concurrency)
    contexts: dict[tuple[bool, str | None], ssl.SSLContext] = {}
    results: list[ProbeResult] = []

    def context_for(site: Site) -> ssl.SSLContext:
        key = (site.verify_tls, site.ca_file)
        if key not in contexts:
            try:
                contexts[key] = _ssl_context(root, site)
            except (OSError, ssl.SSLError):  # the CA file is unreadable: the probe says so
                contexts[key] = _verifying_context(None, None)
        return contexts[key]

    async def guarded(job: _Job, deadline: float) -> list[ProbeResult]:
        async with gate:
            try:
                async with asyncio.timeout(deadline):  # no task of its own, as wait_for makes
                    found = await job.work
                return found if isinstance(found, list) else [found]
            except Exception as exc:
                reason = failure_reason(exc)
                return [
                    ProbeResult(job.site, check, False, None, reason, now()) for check in job.checks
                ]

    context = RoundContext(root, config, now, context_for)
    jobs: list[tuple[_Job, float]] = []
    for site in [*config.sites, None]:  # every site's probes, then the platform's
        running = checks_for(site, config)
        for probe in PROBES:
            answers = tuple(check for check in probe.checks if check in running)
            if answers:
                work = probe.start(context, site)
                job = _Job(site.name if site else None, answers, work)
                jobs.append((job, probe.deadline(site, config)))
    tasks = {asyncio.ensure_future(guarded(job, deadline)): job for job, deadline in jobs}
    finished: asyncio.Queue[asyncio.Task[list[ProbeResult]]] = asyncio.Queue()
    for task in tasks:  # each says it is done: no wait over every pending task per completion
        task.add_done_callback(finished.put_nowait)
    pending = set(tasks)
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(round_deadline(config)):
                while pending:
                    task = await finished.get()
                    pending.discard(task)
                    batch = task.result()
                    results.extend(batch)
                    if on_result is not None:
                        on_result(batch)
        late: list[ProbeResult] = []
        for task in pending:
            task.cancel()
            job = tasks[task]
            late.extend(
                ProbeResult(
                    job.site, check, False, None, "no answer within the round's deadline", now()
                )
                for check in job.checks
            )
        if late:
            results.extend(late)
            if on_result is not None:
                on_result(late)
    finally:
        for task in tasks:
            task.cancel()
    return results


def run_round(root: Path, config: Config, now: Callable[[], datetime]) -> list[ProbeResult]:
    """One round from synchronous code (the command line)."""
    return asyncio.run(probe_round(root, config, now))
