"""Partial screen updates written cropped to their changes: the same screen, fewer bytes."""

from __future__ import annotations

import inspect

import pyte
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate
from textual.app import App
from textual.strip import Strip

from tui.app import RoomApp
from widgets.parts.compat import CompatApp, CroppedChops, cropped

WIDTH = 60
LEFT = 8  # a left widget's chop, never touched
STYLES = [Style(color="red"), Style(color="green", bold=True), Style(bgcolor="blue"), None]
console = Console(color_system="truecolor", width=WIDTH, force_terminal=True)

cell_text = st.text(alphabet="ab ✓·▁▅█界", min_size=1, max_size=5)
segments = st.lists(st.tuples(cell_text, st.sampled_from(STYLES)), min_size=1, max_size=10)


def strip_of(parts: list[tuple[str, Style | None]]) -> Strip:
    return Strip([Segment(text, style) for text, style in parts])


def screen_after(*writes: str) -> list[tuple[str, str, str, bool]]:
    screen = pyte.Screen(WIDTH, 2)
    stream = pyte.Stream(screen)
    for data in writes:
        stream.feed(data)
    return [(c.data, c.fg, c.bg, c.bold) for c in (screen.buffer[0][x] for x in range(WIDTH))]


def full_line(left: Strip, table: Strip) -> str:
    return "\x1b[1;1H" + left.render(console) + table.render(console)


@settings(max_examples=300, deadline=None)
@given(old=segments, data=st.data())
def test_a_cropped_update_leaves_the_screen_as_textuals_does(
    old: list[tuple[str, Style | None]], data: st.DataObject
) -> None:
    left = Strip([Segment("x" * LEFT, Style(color="yellow"))])
    old_strip = strip_of(old).crop_pad(WIDTH - LEFT, 0, 0, Style())
    # Some segments change, each keeping its width; the dirty region spans them.
    first = data.draw(st.integers(0, len(old) - 1))
    last = data.draw(st.integers(first, len(old) - 1))
    new = list(old)
    for index in range(first, last + 1):
        text, _ = old[index]
        replacement = data.draw(st.sampled_from("abc█·"))
        width = Strip([Segment(text)]).cell_length
        new[index] = (replacement * width, data.draw(st.sampled_from(STYLES)))
    new_strip = strip_of(new).crop_pad(WIDTH - LEFT, 0, 0, Style())
    x1 = LEFT + sum(Strip([Segment(t)]).cell_length for t, _ in old[:first])
    x2 = LEFT + sum(Strip([Segment(t)]).cell_length for t, _ in old[: last + 1])
    x2 = min(x2, WIDTH)
    if x1 >= x2:
        return
    chops = [{0: left, LEFT: new_strip}, {0: None}]
    ends = [[LEFT, WIDTH], [WIDTH]]
    update = ChopsUpdate(chops, [(0, x1, x2)], ends)
    before = full_line(left, old_strip)
    theirs = update.render_segments(console)
    ours = CroppedChops(chops, [(0, x1, x2)], ends).render_segments(console)
    assert screen_after(before, ours) == screen_after(before, theirs)
    assert len(ours) <= len(theirs)


def test_a_trend_at_the_end_of_a_row_is_sent_alone() -> None:
    row = Strip(
        [
            Segment(" site-00        ", Style(color="white")),
            Segment("✓ 200     ", Style(color="green")),
            Segment("    30 ms ", Style(color="white")),
            Segment("▁▂▁▂▂█", Style(color="yellow")),
        ]
    )
    start = row.cell_length - 6
    chops = [{0: row}]
    update = ChopsUpdate(chops, [(0, start, row.cell_length)], [[row.cell_length]])
    ours = cropped(update)
    assert isinstance(ours, CroppedChops)
    written = ours.render_segments(console)
    assert "site-00" in update.render_segments(console)  # what Textual alone would send
    assert "site-00" not in written and "30 ms" not in written
    assert written.startswith(f"\x1b[1;{start + 1}H") and "▁▂▁▂▂█" in written


def test_the_room_writes_through_the_cropping_display() -> None:
    """The hook is Textual's private `_display`: a Textual that renames it must fail here."""
    theirs = list(inspect.signature(App._display).parameters)
    assert theirs == list(inspect.signature(CompatApp._display).parameters)
    assert "_display" in CompatApp.__dict__ and issubclass(RoomApp, CompatApp)
    assert RoomApp._display is CompatApp._display  # nothing between overrides it
