"""The budgets pane: a grid of sites × SLOs, worst first, each cell a gauge of the budget left."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from tui.ops.slo import SloStatus
from tui.view.budgets import SHORT, SITE_SLOS, BudgetRow, Gauge, budget_rows, platform_gauges
from widgets.parts.quiet import QuietText, set_title
from widgets.parts.styles import Palette
from widgets.parts.tables import Col, KeyedTable


def gauge_text(cell: Gauge, palette: Palette) -> Text:
    style = {"good": palette.success, "low": palette.warning, "frozen": palette.error}.get(
        cell.state, palette.muted
    )
    return Text(cell.text, style=style, no_wrap=True)


class BudgetsTable(KeyedTable):
    def __init__(self, **kwargs: object) -> None:
        widths = {"availability": 0, "latency": 0, "tls_expiry": 36, "cert_validity": 42, "dns": 48}
        columns = [Col(" site", "site", None)] + [
            Col(SHORT[name], name, 6, hide_below=widths[name]) for name in SITE_SLOS
        ]
        super().__init__(columns, **kwargs)

    def render_rows(self, rows: list[BudgetRow], palette: Palette) -> None:
        self.show(
            [
                (
                    row.key,
                    (
                        Text(" " + row.site, no_wrap=True, overflow="ellipsis"),
                        *(gauge_text(cell, palette) for cell in row.cells),
                    ),
                )
                for row in rows
            ]
        )


class BudgetsPane(Vertical):
    def render_report(
        self, statuses: tuple[SloStatus, ...], sites: list[str], palette: Palette
    ) -> None:
        """Everything the pane shows, from the budget report."""
        note = Text()
        if not statuses:
            note.append(
                "No SLOs: configure [[sites]], [backups] or [containers] in sisyphus.toml.",
                style=palette.muted,
            )
        elif all(s.budget_remaining is None for s in statuses):
            note.append(
                "Unknown until probes have run: missing data never counts as good.",
                style=palette.muted,
            )
        self.show_note(note)
        self.query_one(BudgetsTable).render_rows(budget_rows(statuses, sites), palette)
        self.show_platform(platform_gauges(statuses), palette)
        frozen = sum(1 for s in statuses if s.frozen)
        title = f"Error budgets · {len(statuses)} SLOs" + (
            f" · {frozen} under the freeze line" if frozen else ""
        )
        set_title(self, title)

    def compose(self) -> ComposeResult:
        yield QuietText(id="budgets-note")
        yield BudgetsTable(id="budget-grid")
        yield QuietText(id="platform-budgets")

    def show_note(self, text: Text) -> None:
        note = self.query_one("#budgets-note", QuietText)
        note.display = bool(text.plain)
        note.show(text)

    def show_platform(self, gauges: list[tuple[str, Gauge]], palette: Palette) -> None:
        line = Text()
        for label, cell in gauges:
            if line:
                line.append(" · ")
            line.append(f"{label} ")
            line.append_text(gauge_text(cell, palette))
        widget = self.query_one("#platform-budgets", QuietText)
        widget.display = bool(gauges)
        widget.show(line)
