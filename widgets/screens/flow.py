"""The crew's flow (key 7): per role, what waits, the last pickup, tickets in and out per day
over a week, cycle times, and how its answers went; personas and the owner's touchpoints."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.bus.flow import Flow
from tui.view.flow import flow_footer, flow_rows
from widgets.parts.keyline import KeyLine
from widgets.parts.tables import Col, KeyedTable
from widgets.parts.tones import Tones


class FlowTable(KeyedTable):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            [
                Col(" role", "role", 14, fit=True),
                Col(" wait", "wait", 5),
                Col(" oldest", "oldest", 8),
                Col(" last pickup", "pickup", 17),
                Col(" in, 7 days", "in", 15, hide_below=90),
                Col(" out, 7 days", "out", 15, hide_below=90),
                Col(" cycle", "cycle", 27, hide_below=110),
                Col(" answers", "answers", None),
            ],
            **kwargs,
        )


class FlowScreen(ModalScreen[None]):
    HELP_TITLE = "The crew's flow"
    BINDINGS: ClassVar = [
        Binding("escape,q", "close", "Back", id="flow.back"),
        Binding("question_mark", "app.help", "Keys", show=False, id="flow.help"),
    ]

    def __init__(self, flow: Flow, now: datetime, idle_after: timedelta, tones: Tones) -> None:
        super().__init__()
        self.flow, self.now, self.idle_after, self.tones = flow, now, idle_after, tones

    def compose(self) -> ComposeResult:
        with Vertical(id="flow-box") as box:
            box.border_title = "The crew's flow · inboxes and the recent archive"
            yield FlowTable(id="flow-table")
            yield Static(Text(flow_footer(self.flow), style=self.tones.muted), id="flow-footer")
        yield KeyLine()

    def on_mount(self) -> None:
        tones = self.tones
        rows = []
        for row in flow_rows(self.flow, self.now, self.idle_after):
            name = Text(" " + row.role, no_wrap=True)
            pickup = Text(" " + row.pickup, style=tones.error if row.idle else tones.plain)
            if row.idle:
                pickup.append(" IDLE", style=tones.error)
            rows.append(
                (
                    row.role,
                    (
                        name,
                        Text(row.waiting, justify="right"),
                        Text(" " + row.oldest),
                        pickup,
                        Text(" " + row.week_in),
                        Text(" " + row.week_out),
                        Text(" " + row.cycle),
                        Text(" " + row.answered, no_wrap=True, overflow="ellipsis"),
                    ),
                )
            )
        table = self.query_one(FlowTable)
        table.show(rows)
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
