"""A yes/no question before an action that touches what the person cannot see: y does it, n or
escape does nothing."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class ConfirmScreen(ModalScreen[bool]):
    HELP_TITLE = "A question"
    BINDINGS: ClassVar = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box"):
            yield Static(Text(self.question, style="bold"))
            yield Static(Text("y: yes · n or escape: no"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
