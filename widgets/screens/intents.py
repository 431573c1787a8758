"""Hat switches (key I): every intent under `intents/`, open ones first, and the files there that
are not intents, with their reasons."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.base.durations import format_duration
from tui.bus.intents import Intent
from tui.bus.tickets import Malformed
from widgets.parts.keyline import KeyLine
from widgets.parts.tables import Col, KeyedTable
from widgets.parts.tones import Tones


class IntentsTable(KeyedTable):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            [
                Col(" state", "state", 9),
                Col("who → whose hat", "who", 26, fit=True),
                Col("since", "since", 12),
                Col("for", "for", 8),
                Col("ticket", "ticket", 8),
                Col("why", "why", None),
            ],
            **kwargs,
        )


class IntentsScreen(ModalScreen[None]):
    HELP_TITLE = "Hat switches"
    BINDINGS: ClassVar = [
        Binding("escape,q", "close", "Back", id="intents.back"),
        Binding("question_mark", "app.help", "Keys", show=False, id="intents.help"),
    ]

    def __init__(
        self,
        intents: tuple[Intent, ...],
        bad: tuple[Malformed, ...],
        now: datetime,
        intent_after: timedelta,
        tones: Tones,
    ) -> None:
        super().__init__()
        self.intents, self.bad, self.now = intents, bad, now
        self.intent_after, self.tones = intent_after, tones

    def compose(self) -> ComposeResult:
        with Vertical(id="intents-box") as box:
            box.border_title = "Hat switches · intents/, open first"
            if not self.intents and not self.bad:
                yield Static(
                    Text(
                        "No intent files: no role has acted in another's hat "
                        "(a role writes intents/<when>-<role>.md before it does).",
                        style=self.tones.muted,
                    )
                )
            yield IntentsTable(id="intents-table")
        yield KeyLine()

    def on_mount(self) -> None:
        tones, now = self.tones, self.now
        rows = []
        ordered = sorted(self.intents, key=lambda i: (not i.open, -i.created.timestamp()))
        for index, intent in enumerate(ordered):
            late = intent.overdue(now, self.intent_after)
            state, style = (
                ("OVERDUE", tones.error)
                if late
                else ("open", tones.warning)
                if intent.open
                else ("closed", tones.muted)
            )
            lasted = (intent.closed or now) - intent.created
            why = intent.reason + (f" ({late})" if late else "")
            rows.append(
                (
                    f"i{index}",
                    (
                        Text(" " + state, style=style),
                        Text(f"{intent.role} → {intent.acting_as}", no_wrap=True),
                        Text(f"{intent.created:%m-%d %H:%M}Z"),
                        Text(format_duration(lasted)),
                        Text(intent.ticket or "—"),
                        Text(why, no_wrap=True, overflow="ellipsis"),
                    ),
                )
            )
        for index, bad in enumerate(self.bad):
            rows.append(
                (
                    f"b{index}",
                    (
                        Text(" BROKEN", style=tones.error),
                        Text(bad.path, no_wrap=True, overflow="ellipsis"),
                        Text(""),
                        Text(""),
                        Text(""),
                        Text(bad.reason, no_wrap=True, overflow="ellipsis"),
                    ),
                )
            )
        table = self.query_one(IntentsTable)
        table.show(rows)
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
