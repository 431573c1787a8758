"""Deliveries (key 6): every ticket marked done whose `verify` URL the room checks from outside."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from tui.view.deliveries import DeliveryRow
from widgets.parts.keyline import KeyLine
from widgets.parts.tables import Col, KeyedTable
from widgets.parts.tones import Tones


class DeliveriesTable(KeyedTable):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            [
                Col(" ticket", "ticket", 9),
                Col("role", "role", 14),
                Col("done", "done", 10),
                Col("verdict", "verdict", 15),
                Col("url", "url", 30, hide_below=90),
                Col("detail", "detail", None),
            ],
            **kwargs,
        )


class DeliveriesScreen(ModalScreen[str | None]):
    """Dismissed with the path of the ticket to open (enter), or None."""

    HELP_TITLE = "Deliveries"
    BINDINGS: ClassVar = [
        Binding("escape,q", "close", "Back", id="deliveries.back"),
        Binding("enter", "open", "Open the ticket", id="deliveries.open"),
        Binding("question_mark", "app.help", "Keys", show=False, id="deliveries.help"),
    ]

    def __init__(self, rows: list[DeliveryRow], summary: str, tones: Tones) -> None:
        super().__init__()
        self.rows, self.summary, self.tones = rows, summary, tones

    def compose(self) -> ComposeResult:
        with Vertical(id="deliveries-box") as box:
            box.border_title = "Deliveries · done is not live until seen live"
            yield Static(Text(self.summary, style=self.tones.muted), id="deliveries-summary")
            if not self.rows:
                yield Static(
                    Text(
                        "No ticket marked done carries `verify` in its window. Add verify: <url> "
                        "(or {url, status, contains}) to a request, and its done answer is "
                        "checked every round.",
                        style=self.tones.muted,
                    )
                )
            yield DeliveriesTable(id="deliveries-table")
        yield KeyLine()  # this view's keys, not the screen's below

    def on_mount(self) -> None:
        tones = self.tones
        style = {"success": tones.success, "error": tones.error, "muted": tones.muted}
        self.query_one(DeliveriesTable).show(
            [
                (
                    row.key,
                    (
                        Text(" " + row.ticket, no_wrap=True),
                        Text(row.role, no_wrap=True),
                        Text(row.done, style=tones.muted),
                        Text(row.verdict, style=style[row.tone]),
                        Text(row.url, no_wrap=True, overflow="ellipsis"),
                        Text(" " + row.detail, no_wrap=True, overflow="ellipsis"),
                    ),
                )
                for row in self.rows
            ]
        )
        self.query_one(DeliveriesTable).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_open(self) -> None:
        table = self.query_one(DeliveriesTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return
        self.dismiss(self.rows[table.cursor_row].path)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()
