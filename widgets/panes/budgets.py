"""The budgets pane: a grid of sites × SLOs, worst first, each cell a gauge of the budget left."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from tui.view.budgets import SHORT, SITE_SLOS, BudgetRow, BudgetsSummary, Gauge
from widgets.parts.quiet import QuietText, set_title
from widgets.parts.tables import Col, KeyedTable
from widgets.parts.tones import Tones


def gauge_text(cell: Gauge, tones: Tones) -> Text:
    style = {"good": tones.success, "low": tones.warning, "frozen": tones.error}.get(
        cell.state, tones.muted
    )
    return Text(cell.text, style=style, no_wrap=True)


class BudgetsTable(KeyedTable):
    def __init__(self, **kwargs: object) -> None:
        widths = {"availability": 0, "latency": 0, "tls_expiry": 36, "cert_validity": 42, "dns": 48}
        columns = [Col(" site", "site", None, fit=True)] + [
            Col(SHORT[name], name, 6, hide_below=widths[name]) for name in SITE_SLOS
        ]
        super().__init__(columns, **kwargs)

    def render_rows(self, rows: list[BudgetRow], tones: Tones) -> None:
        self.show_made(rows, lambda row: row.key, lambda row: budget_cells(row, tones), tones)


def budget_cells(row: BudgetRow, tones: Tones) -> tuple[Text, ...]:
    return (
        Text(" " + row.site, no_wrap=True, overflow="ellipsis"),
        *(gauge_text(cell, tones) for cell in row.cells),
    )


class BudgetsPane(Vertical):
    def render_summary(self, summary: BudgetsSummary, tones: Tones) -> None:
        """Everything the pane shows, from the budgets' view data."""
        self.show_note(Text(summary.note, style=tones.muted))
        self.query_one(BudgetsTable).render_rows(list(summary.rows), tones)
        self.show_platform(list(summary.platform), tones)
        set_title(self, summary.title)

    def compose(self) -> ComposeResult:
        yield QuietText(id="budgets-note")
        yield BudgetsTable(id="budget-grid")
        yield QuietText(id="platform-budgets")

    def show_note(self, text: Text) -> None:
        note = self.query_one("#budgets-note", QuietText)
        note.display = bool(text.plain)
        note.show(text)

    def show_platform(self, gauges: list[tuple[str, Gauge]], tones: Tones) -> None:
        line = Text()
        for label, cell in gauges:
            if line:
                line.append(" · ")
            line.append(f"{label} ")
            line.append_text(gauge_text(cell, tones))
        widget = self.query_one("#platform-budgets", QuietText)
        widget.display = bool(gauges)
        widget.show(line)
