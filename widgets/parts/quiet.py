"""Updates that write nothing to the terminal when nothing changed (it matters over SSH)."""

from __future__ import annotations

from rich.text import Text
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
