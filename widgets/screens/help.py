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


def help_sections() -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (
            "Everywhere",
            [
                ("?", "this list of keys"),
                ("q", "quit (in a ticket: back)"),
                ("ctrl+p", "command tones: go to an inbox, the stale list, rescan, themes"),
                ("tab / shift+tab", "next / previous pane"),
                ("1 … 5", "inboxes, tickets, probes, budgets, incidents"),
            ],
        ),
        (
            "Inboxes and tickets",
            [
                ("↑ ↓  j k", "move; the inbox under the cursor fills the ticket list"),
                ("g / G", "first / last row"),
                ("enter", "open the inbox's tickets, or the ticket (front matter, thread, body)"),
                (
                    "/",
                    "filter: words, role:x, status:open|done|rejected|clarify|blocked|stale, "
                    "priority:P0 (commas for several), from:x",
                ),
                ("escape", "clear the filter; in a ticket: back"),
                ("s", "every stale clarification, in every inbox"),
                ("a", "acknowledge the selected stale clarification (stops its reminders)"),
                ("r", "read every inbox again now"),
            ],
        ),
        (
            "Marks",
            [
                ("STALE", "needs_clarification, waiting longer than stale_after"),
                ("STALE ✓", "stale, acknowledged by a person"),
                ("↩", "a response (answers another ticket)"),
                ("future", "in the age column: created in the future (clock skew)"),
                ("⚠", "the ticket has warnings (open it to read them)"),
                ("BROKEN", "a file that cannot be read as a ticket; the subject says why"),
            ],
        ),
    ]
