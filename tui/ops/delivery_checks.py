"""Delivery checks in a loop of their own, apart from the probe rounds: a round hands over what
is due and takes the verdicts ready within a short grace; a verify URL that never answers holds
no round."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Iterable
from typing import Any

from tui.base.sanitize import clean, shorten
from tui.ops.deliveries import TIMEOUT, Delivery, check_url


class Checker:
    """Deliveries checked in a loop of their own (a daemon thread), apart from the probe rounds:
    a round hands over what is due and takes the verdicts ready within a short grace, and a check
    still under way (a verify URL that never answers) goes on and is taken by a later round. So
    silent verify URLs never hold a round, and each still gets its verdict ("timed out")."""

    def __init__(self, timeout: float = TIMEOUT, concurrency: int = 16) -> None:
        self.timeout, self.concurrency = timeout, concurrency
        self._loop: asyncio.AbstractEventLoop | None = None
        self._gate: asyncio.Semaphore | None = None
        self._client: Any = None
        self._inflight: dict[str, concurrent.futures.Future[tuple[bool, str]]] = {}
        self._shown: dict[str, tuple[str, str]] = {}  # key → (url, shown url)
        self._lock = threading.Lock()

    def _start(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="deliveries", daemon=True).start()
            self._loop = loop
        return self._loop

    async def _check(self, delivery: Delivery) -> tuple[bool, str]:
        import httpx

        if self._client is None:
            self._gate = asyncio.Semaphore(self.concurrency)
            self._client = httpx.AsyncClient(
                follow_redirects=True,
                timeout=self.timeout,
                headers={"user-agent": "sisyphus-room verify"},
            )
        assert self._gate is not None
        async with self._gate:
            try:
                return await asyncio.wait_for(
                    check_url(self._client, delivery.url, delivery.status, delivery.contains),
                    self.timeout + 2,
                )
            except TimeoutError:
                return False, "timed out"
            except Exception as exc:  # never lost: a verdict says it
                return False, clean(f"{type(exc).__name__}: {exc}")

    def submit(self, deliveries: Iterable[Delivery]) -> None:
        """Start a check of each delivery not being checked already, the oldest verdicts first."""
        order = sorted(deliveries, key=lambda d: d.checked_at or "")
        with self._lock:
            for delivery in order:
                if delivery.key not in self._inflight:
                    self._shown[delivery.key] = (delivery.url, delivery.shown_url)
                    self._inflight[delivery.key] = asyncio.run_coroutine_threadsafe(
                        self._check(delivery), self._start()
                    )

    def collect(self, wait: float) -> dict[str, tuple[bool, str]]:
        """The verdicts ready within `wait` seconds (the rest stay under way)."""
        with self._lock:
            futures = list(self._inflight.values())
        if futures:
            concurrent.futures.wait(futures, timeout=wait)
        verdicts = {}
        with self._lock:
            for key, future in list(self._inflight.items()):
                if future.done():
                    del self._inflight[key]
                    url, shown = self._shown.pop(key)
                    try:
                        ok, detail = future.result()
                    except Exception as exc:  # cancelled
                        ok, detail = False, clean(f"not checked: {type(exc).__name__}")
                    verdicts[key] = (ok, shorten(clean(detail.replace(url, shown)), 300))
        return verdicts

    def under_way(self) -> int:
        with self._lock:
            return len(self._inflight)

    def close(self) -> None:
        loop, self._loop = self._loop, None
        if loop is not None:
            client = self._client

            async def shut() -> None:  # checks under way are cancelled, not left to be "destroyed"
                current = asyncio.current_task()
                tasks = [t for t in asyncio.all_tasks() if t is not current]
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                if client is not None:
                    with contextlib.suppress(Exception):
                        await client.aclose()
                loop.stop()

            with contextlib.suppress(RuntimeError):
                asyncio.run_coroutine_threadsafe(shut(), loop)
