"""The messages the room gave (key M), newest first: on a small screen they are one line above the
keys instead of toasts over the panes, and this is where they can be read again in full."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from widgets.parts.keyline import KeyLine

Notice = tuple[str, str, str, str]  # (at HH:MM:SS, severity, title, text)


class NoticesScreen(ModalScreen[None]):
    HELP_TITLE = "Messages"
    BINDINGS: ClassVar = [
        Binding("escape,q", "close", "Back", id="notices.back"),
        Binding("question_mark", "app.help", "Keys", show=False, id="notices.help"),
    ]

    def __init__(self, notices: Sequence[Notice]) -> None:
        super().__init__()
        self.notices = list(notices)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="notices-box") as box:
            box.border_title = "Messages · newest first"
            text = Text()
            for at, severity, title, said in reversed(self.notices):
                style = {"error": "bold red", "warning": "yellow"}.get(severity, "")
                text.append(f"{at}  ", style="dim")
                text.append(f"{title}: " if title else "", style=style or "bold")
                text.append(f"{said}\n")
            yield Static(text if self.notices else Text("No messages yet.", style="dim"))
        yield KeyLine()  # this view's keys, not the screen's below

    def action_close(self) -> None:
        self.dismiss(None)
