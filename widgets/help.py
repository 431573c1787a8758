"""`?`: every key the room answers to, in one place."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss_help", "Close", id="help.close")]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        text = Text()
        for title, rows in self.sections:
            text.append(f"{title}\n", style="bold underline")
            for keys, description in rows:
                text.append(f"  {keys:<18}", style="bold")
                text.append(f"{description}\n")
            text.append("\n")
        text.append("escape or ? closes this help.", style="dim")
        with VerticalScroll(id="help") as box:
            box.border_title = "Keys"
            yield Static(text)

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
