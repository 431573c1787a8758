"""Textual's Linux driver with an input thread that sleeps until there is something to do.

Textual 8.2's input thread wakes ten times a second, whether or not a key came, to look at its stop
flag and at the escape key's time-out: about a third of an idle room's own CPU over SSH. Here it
waits for a key, for a pending escape sequence's time-out (a lone `escape` is told from the start
of a sequence by waiting for more), or for the stop, which wakes it through a pipe. The loop is
otherwise Textual's own (`LinuxDriver.run_input_thread`); tests/e2e drive it through a real
pseudo-terminal (typing, a lone escape closing help, `q` ending the room, ctrl+z and `fg`, which
Textual's stock driver passes too). It reads the parser's private `_timeout_time`, guarded by
those tests.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
from codecs import getincrementaldecoder
from typing import Any

from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver


class _WakingEvent(threading.Event):
    """The driver's stop flag: setting it also wakes the input thread, through the pipe of the
    thread running now (each input thread has its own: a suspended room's thread ends, and the
    driver is closed and started again on resume)."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._wake: int | None = None

    def attach(self, wake: int | None) -> None:
        with self._lock:  # never a write to a descriptor closed meanwhile (its number is reused)
            self._wake = wake

    def set(self) -> None:
        super().set()
        with self._lock:
            if self._wake is not None:
                with contextlib.suppress(OSError):  # the pipe is full: the thread is waking anyway
                    os.write(self._wake, b"\0")


class QuietLinuxDriver(LinuxDriver):
    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._waking = _WakingEvent()
        self.exit_event = self._waking

    def run_input_thread(self) -> None:
        """Wait for input and dispatch events (Textual's loop, without the 0.1 s polling)."""
        woken, wake = os.pipe()
        os.set_blocking(woken, False)
        os.set_blocking(wake, False)
        self._waking.attach(wake)  # before the first look at the flag: no stop is missed
        try:
            self._read_input(woken)
        finally:
            self._waking.attach(None)
            os.close(woken)
            os.close(wake)

    def _read_input(self, woken: int) -> None:
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        selector.register(woken, selectors.EVENT_READ)
        fileno = self.fileno
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode

        def timeout() -> float | None:
            """Until the escape key's time-out, when a sequence is pending; else no limit."""
            due: float | None = parser._timeout_time
            return None if due is None else max(due - get_time(), 0.0)

        def process(ready: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            for key, _ in ready:
                if key.fd == woken:
                    try:
                        while os.read(woken, 512):
                            pass
                    except BlockingIOError:
                        pass
                    continue
                unicode_data = decode(os.read(fileno, 1024 * 4), final=final)
                if not unicode_data:  # this can occur if stdin is piped
                    break
                for event in parser.feed(unicode_data):
                    self.process_message(event)
            for event in parser.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process(selector.select(timeout()))
            selector.unregister(self.fileno)
            process(selector.select(0.1), final=True)
        finally:
            selector.close()
            try:
                for _ in parser.feed(""):
                    pass
            except Exception:  # EOFError, ParseError: the input is over either way
                pass
