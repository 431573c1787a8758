"""Every place the room reaches into Textual's private parts, in one module, behind one version
check.

Each part names the upstream behaviour it works around and the change a maintainer could take
upstream. They are used only with the Textual they were checked against (`CHECKED`); with any
other version `PATCHED` is False and the room runs Textual's stock behaviour: slower over SSH,
never wrong. Tests pin each part (tests/app/test_cropped_updates.py, test_tables.py, test_keys.py,
tests/e2e): an upgrade that breaks one fails there first.

1. `CroppedChops`: screen updates written cropped to what changed. Upstream: `ChopsUpdate.
   render_segments` writes each changed line from the left edge of the widget's chop up to the
   change. Patch: start each span at the first segment that reaches `x1` and stop after the last
   one before `x2` (the loop below), keeping whole segments.
2. `inner_outer_fix`: `StylesCache.get_inner_outer` is an `lru_cache` on an instance method, so
   its keys keep every widget's styles cache alive (Textualize/textual issue 6665). Patch: a
   module-level cache keyed by the two colours (`_inner_outer` below).
3. `QuietLinuxDriver`: the input thread wakes ten times a second to look at its stop flag.
   Patch: wait on the input and a wake-up pipe the stop flag writes to, with the escape key's
   time-out (read from the parser's private `_timeout_time`) as the only short wait.
4. `set_cells`: `DataTable.update_cell` bumps `_update_count`, the key of every render cache,
   so one changed cell repaints the whole table. Patch: drop only the changed cells', rows' and
   lines' entries (what `KeyedTable._set_cells` asks for).
5. `CompatApp`: the app's own hooks into `App`: screen updates handed to `cropped` (in
   `_display`), a fatal error ending the app without Textual printing the traceback on the
   terminal (`_fatal_error` prints it; the room writes it to a report file and shows one line;
   upstream has no hook, `_close_messages_no_wait` is what `_fatal_error` itself calls), and
   `ending` (`_exit`/`_closing`: the app is on its way out). Upstream patch: a public
   `App.on_fatal_error(exception)` hook and an `App.is_exiting` property.
6. `CompatTable`: a DataTable told its size as the layout gives it (`_size_updated`), a frame
   before `on_resize`, so the first frame has its columns laid out; and `columns_resized()`
   (`_require_update_dimensions`, `_clear_caches`) after a column's width is set. Upstream patch:
   recompute the dimensions and drop the render caches in the `Column.width` setter. With another Textual, `on_resize` lays them out.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
from codecs import getincrementaldecoder
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import textual
from rich.console import Console, RenderableType
from rich.control import Control
from rich.text import Text
from textual._compositor import ChopsUpdate
from textual._styles_cache import StylesCache
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.color import Color
from textual.coordinate import Coordinate
from textual.drivers.linux_driver import LinuxDriver
from textual.geometry import Size
from textual.strip import Strip
from textual.style import Style
from textual.widgets import DataTable

CHECKED = "8.2.8"  # the Textual every part below was checked against (constraints.txt pins it)


def _installed() -> str:
    """Textual's version from its dist-info folder's name: `textual.__version__` goes through
    importlib.metadata, about 12 ms of every start."""
    site = Path(textual.__file__).resolve().parent.parent
    found = [p.name for p in site.glob("textual-*.dist-info")]
    if len(found) == 1:
        return found[0].removeprefix("textual-").removesuffix(".dist-info")
    return str(textual.__version__)  # an unusual install: ask the slow way


PATCHED = _installed() == CHECKED
IDLE_WAIT = 5.0  # seconds the input thread waits at most with nothing pending
MANY_ROWS = 16  # changed rows past which a table is repainted whole, not cell by cell


# ---------------------------------------------------------------------- 1. cropped updates


class CroppedChops(ChopsUpdate):
    """A partial screen update that writes only the changed part of each line.

    Textual's own `render_segments` writes each changed line from the left edge of the widget's
    chop up to the change: a trend cell at the end of a table row re-sends the whole row (6.6 KB a
    round for 50 sites, measured in a pty). Here a line starts at the first segment that reaches
    the change and stops after the last one that does, so a shifted trend costs its own cells.
    Whole segments only: a wide character is never split.
    """

    def render_segments(self, console: Console) -> str:
        sequences: list[str] = []
        append = sequences.append
        last_y = self.spans[-1][0]
        for y, x1, x2 in self.spans:
            for end, (x, strip) in zip(self.chop_ends[y], self.chops[y].items(), strict=False):
                if strip is None or x >= x2 or end <= x1:
                    continue
                start, kept, at = -1, [], x
                for segment in strip:
                    width = segment.cell_length
                    if at + width > x1 and at < x2:
                        if start < 0:
                            start = at
                        kept.append(segment)
                    at += width
                    if at >= x2:
                        break
                if kept:
                    append(Control.move_to(start, y).segment.text)
                    append(Strip(kept).render(console))
            if y != last_y:
                append("\n")
        return "".join(sequences)


def cropped(update: RenderableType | None) -> RenderableType | None:
    """The update to write: a partial one cropped to its changes, anything else as it is."""
    if PATCHED and type(update) is ChopsUpdate:
        return CroppedChops(update.chops, update.spans, update.chop_ends)
    return update


# ---------------------------------------------------------------------- 2. styles cache


@lru_cache(1024)
def _inner_outer(base_background: Color, background: Color) -> tuple[Style, Style]:
    return Style(background=base_background + background), Style(background=base_background)


def _get_inner_outer(
    _cache: StylesCache, base_background: Color, background: Color
) -> tuple[Style, Style]:
    return _inner_outer(base_background, background)


def inner_outer_fix() -> None:
    """Idempotent; the room applies it when its app module is imported."""
    if PATCHED:
        StylesCache.get_inner_outer = _get_inner_outer  # type: ignore[method-assign,assignment]


# ---------------------------------------------------------------------- 3. the input driver


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
            """Until the escape key's time-out, when a sequence is pending; never longer than
            IDLE_WAIT (a wake through the pipe lost for any reason costs seconds, not the room)."""
            due: float | None = parser._timeout_time
            return IDLE_WAIT if due is None else max(min(due - get_time(), IDLE_WAIT), 0.0)

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


def driver_class(stock: type[Any]) -> type[Any]:
    """The quiet driver in place of Textual's Linux one (the stock class otherwise)."""
    return QuietLinuxDriver if PATCHED and stock is LinuxDriver else stock


# ---------------------------------------------------------------------- 4. table caches


def set_cells(table: Any, changed: list[tuple[int, int, Any]]) -> bool:
    """Set these (row, column, value) cells of a DataTable and repaint only them: their cells',
    rows' and lines' entries are dropped from the render caches. False (nothing done) with
    another Textual, where the caller uses `update_cell_at`."""
    if not PATCHED:
        return False
    cells: set[tuple[Any, Any]] = set()
    rows: set[int] = set()
    for row, column, value in changed:
        row_key, column_key = table.coordinate_to_cell_key(Coordinate(row, column))
        table._data[row_key][column_key] = value
        cells.add((row_key, column_key))
        rows.add(row)
    row_keys = {row_key for row_key, _ in cells}
    _drop(table._row_renderable_cache, lambda key: key[1] in rows)
    _drop(table._cell_render_cache, lambda key: (key[0], key[1]) in cells)
    _drop(table._row_render_cache, lambda key: key[0] in row_keys)
    if len(rows) > MANY_ROWS:
        # A round that changes most rows: finding each row's lines and each cell's region costs
        # a sum over the rows above it (O(rows²) for 500 sites). The visible lines are drawn
        # again instead, from the cells' caches: only the changed cells are rendered anew.
        table._line_cache.clear()
        table.refresh()
        return True
    lines: set[int] = set()
    for row in rows:
        region = table._get_row_region(row)
        lines.update(range(region.y, region.y + region.height))
    _drop(table._line_cache, lambda key: key[0] in lines)
    for row, column, _ in changed:
        table.refresh_coordinate(Coordinate(row, column))
    return True


def _drop(cache: Any, stale: Callable[[Any], bool]) -> None:
    for key in [key for key in cache.keys() if stale(key)]:  # noqa: SIM118 (no __iter__)
        cache.discard(key)


# ---------------------------------------------------------------------- 5. the app's hooks


class CompatApp(App[None]):
    """Mixed into the room's app: cropped updates, a quiet fatal error, `ending`."""

    def fatal_error(self, exception: BaseException | None) -> None:
        """The app's own handling of an unexpected error (before it closes)."""

    @property
    def ending(self) -> bool:
        """Asked to exit, closing, or shutting down (its screens are being taken apart: a
        message handled meanwhile must not look for their widgets)."""
        return bool(
            getattr(self, "_exit", False)
            or getattr(self, "_closing", False)
            or getattr(self, "_shutting_down", False)
        )

    async def _shutdown(self) -> None:
        self._shutting_down = True  # set before Textual prunes the screens
        await super()._shutdown()

    def _display(self, screen: Any, renderable: RenderableType | None) -> None:
        super()._display(screen, cropped(renderable))

    def _fatal_error(self) -> None:
        self.fatal_error(getattr(self, "_exception", None))
        if PATCHED:
            self._close_messages_no_wait()
        else:  # Textual's own way (it prints the traceback as well)
            super()._fatal_error()


# ---------------------------------------------------------------------- 6. tables


class CompatTable(DataTable[Text]):
    """A DataTable told its size as soon as the layout gives it (`size_known`)."""

    def size_known(self, width: int) -> None:
        """The layout gave the table this width (a frame before `on_resize`)."""

    def columns_resized(self) -> None:
        """A column's width was set: the table's dimensions are measured again and every cached
        line drawn anew (a row drawn at the old width kept it: the columns stood askew)."""
        if PATCHED:
            self._require_update_dimensions = True
            self._clear_caches()
        self.refresh()

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        changed = super()._size_updated(size, virtual_size, container_size, layout)
        if changed and PATCHED:
            self.size_known(size.width)
        return changed
