"""Panes that show a few lines of text given to them (probes, budgets, incidents until they land)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class InfoPane(Static, can_focus=True):
    """A focusable, scrollable block of plain text (never markup)."""

    def show(self, text: Text) -> None:
        self.update(text)
