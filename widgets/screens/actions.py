"""What the owner did (key L): the recent lines of `.room/actions.jsonl`, newest first."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from widgets.parts.keyline import KeyLine
from widgets.parts.tables import Col, KeyedTable
from widgets.parts.tones import Tones

Row = tuple[str, str, str, str]  # when, who, what, detail


class ActionsTable(KeyedTable):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            [
                Col(" when", "when", 22),
                Col("who", "who", 10),
                Col("what", "what", 9),
                Col("detail", "detail", None),
            ],
            **kwargs,
        )


class ActionsScreen(ModalScreen[None]):
    HELP_TITLE = "Actions"
    BINDINGS: ClassVar = [
        Binding("escape,q", "close", "Back", id="actions.back"),
        Binding("question_mark", "app.help", "Keys", show=False, id="actions.help"),
    ]

    def __init__(self, rows: list[Row], tones: Tones) -> None:
        super().__init__()
        self.rows, self.tones = rows, tones

    def compose(self) -> ComposeResult:
        with Vertical(id="actions-box") as box:
            box.border_title = "Actions · .room/actions.jsonl, newest first"
            if not self.rows:
                yield Static(
                    Text(
                        "Nothing done from the room or the command line yet.",
                        style=self.tones.muted,
                    )
                )
            yield ActionsTable(id="actions-table")
        yield KeyLine()  # this view's keys, not the screen's below

    def on_mount(self) -> None:
        self.query_one(ActionsTable).show(
            [
                (
                    str(index),
                    (
                        Text(" " + when),
                        Text(who, no_wrap=True),
                        Text(what),
                        Text(detail, no_wrap=True, overflow="ellipsis"),
                    ),
                )
                for index, (when, who, what, detail) in enumerate(self.rows)
            ]
        )
        self.query_one(ActionsTable).focus()

    def action_close(self) -> None:
        self.dismiss(None)
