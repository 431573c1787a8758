"""Updates that write nothing to the terminal when nothing changed (it matters over SSH)."""

from __future__ import annotations

from rich.console import Console, RenderableType
from rich.control import Control
from rich.text import Text
from textual._compositor import ChopsUpdate
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static


class QuietText(Static):
    """A block of plain text (never markup) that is re-sent only when it differs."""

    _shown: Text | None = None

    def show(self, text: Text, *, layout: bool = True) -> None:
        """`layout=False` only where the height cannot change (one fixed line)."""
        if text != self._shown:
            self._shown = text
            self.update(text, layout=layout)


def set_title(widget: Widget, title: str) -> None:
    """Setting a border title repaints the widget even when it is the same: set only a new one."""
    if widget.border_title != title:
        widget.border_title = title


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
    if type(update) is ChopsUpdate:
        return CroppedChops(update.chops, update.spans, update.chop_ends)
    return update
