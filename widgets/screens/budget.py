"""One site's budgets in full: target, SLI, budget left, burn rates, and the budget over the window."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from widgets.parts.keyline import KeyLine
from widgets.parts.tones import Tones


class BudgetScreen(ModalScreen[None]):
    HELP_TITLE = "A site's budgets"
    BINDINGS = [
        Binding("escape,q", "close", "Back", id="budget.back"),
        Binding("question_mark", "app.help", "Keys", show=False, id="budget.help"),
    ]

    def __init__(self, detail: list[tuple[str, str]], tones: Tones) -> None:
        super().__init__()
        self.detail = detail
        self.tones = tones

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="budget-box") as box:
            box.border_title = "Budgets"
            yield Static(self.tones.text(self.detail))
        yield KeyLine()  # this view's keys, not the screen's below

    def action_close(self) -> None:
        self.dismiss(None)
