"""The incidents pane: firing first, then acknowledged, then closed."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from tui.view.incidents import IncidentsSummary
from widgets.parts.quiet import QuietText, set_title
from widgets.parts.tables import Col, KeyedTable
from widgets.parts.tones import Tones


class IncidentsTable(KeyedTable):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            [
                Col(" state", "state", 8),
                Col("site", "site", None, fit=True),  # never cut: the cause gives way
                Col("cause", "cause", None, hide_below=30),
                Col("   for", "age", 6),  # open: firing so far; resolved: how long it lasted
                Col(" tier", "tier", 5, hide_below=36),
            ],
            **kwargs,
        )


class IncidentsPane(Vertical):
    def compose(self) -> ComposeResult:
        yield QuietText(id="incidents-note")
        yield IncidentsTable(id="incidents-table")

    def render_summary(self, summary: IncidentsSummary, tones: Tones) -> None:
        note = Text(summary.note, style=tones.muted)
        for line in summary.warnings:
            note.append(("\n" if note else "") + f"⚠ {line}", style=tones.warning)
        widget = self.query_one("#incidents-note", QuietText)
        widget.display = bool(note.plain)
        widget.show(note)
        rows = [
            (
                row.key,
                (
                    Text(" " + row.label, style=tones.tone(row.tone)),
                    Text(row.site, no_wrap=True, overflow="ellipsis"),
                    Text(row.cause, no_wrap=True, overflow="ellipsis"),
                    Text(row.age, justify="right", style=tones.muted),
                    Text(row.tier, style=tones.muted),
                ),
            )
            for row in summary.rows
        ]
        self.query_one(IncidentsTable).show(rows)
        set_title(self, summary.title)
