"""A one-line question: enter answers, escape cancels. A question that needs an answer (a
resolve note, a knowledge-base fix) says so and stays open on an empty one: nothing is written,
and what is typed next is not taken as keys of the screen below."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class NoteScreen(ModalScreen[str | None]):
    HELP_TITLE = "A one-line question (a note, a fix, a : command)"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="note.cancel")]

    def __init__(self, prompt: str, required: str | None = None) -> None:
        super().__init__()
        self.prompt, self.required = prompt, required

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box"):
            yield Static(Text(self.prompt))
            yield Input(id="note-input")
            yield Static("", id="note-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.required and not event.value.strip():
            self.query_one("#note-error", Static).update(
                Text(f"{self.required} (escape cancels)", style="bold")
            )
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
