"""The probes pane: a row per site with a column per check, latency and its recent trend."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from tui.view.probes import Cell, SiteRow
from widgets.parts.quiet import QuietText
from widgets.parts.tables import Col, KeyedTable
from widgets.parts.tones import Tones


class SitesTable(KeyedTable):
    def __init__(self, **kwargs: object) -> None:
        columns = [
            Col(" site", "site", None, fit=True),
            # Wide enough for a cell's whole word ("✗ refused", "✗ no TLS", "✗ servfail").
            Col("http", "http", 10),
            Col("tls", "tls", 9, hide_below=34),
            Col("dns", "dns", 11, hide_below=46),
            Col(" latency", "latency", 9, hide_below=54),
            Col(" trend", "trend", 8, hide_below=60),
        ]
        super().__init__(columns, **kwargs)

    def render_rows(self, rows: list[SiteRow], tones: Tones) -> None:
        self.show_made(rows, lambda row: row.key, lambda row: site_cells(row, tones), tones)


def _mark(cell: Cell, tones: Tones) -> Text:
    style = {"ok": tones.success, "fail": tones.error}.get(cell.state, tones.muted)
    return Text(cell.text, style=style, no_wrap=True)


def site_cells(row: SiteRow, tones: Tones) -> tuple[Text, ...]:
    return (
        Text(
            " " + row.name,
            style=tones.error if row.failing else tones.plain,
            no_wrap=True,
            overflow="ellipsis",
        ),
        _mark(row.http, tones),
        _mark(row.tls, tones),
        _mark(row.dns, tones),
        Text(
            ("✗ " if row.slow else "") + row.latency,
            justify="right",
            style=tones.error if row.slow else tones.muted,
        ),
        Text(" " + row.trend, style=tones.accent),
    )


class ProbesPane(Vertical):
    """The table of sites and, under it, the platform-wide checks (backups, containers)."""

    def compose(self) -> ComposeResult:
        yield QuietText(id="probes-note")
        yield SitesTable(id="sites")
        yield QuietText(id="platform-checks")

    def show_note(self, text: Text) -> None:
        note = self.query_one("#probes-note", QuietText)
        note.display = bool(text.plain)
        note.show(text)

    def show_platform(self, cells: list[tuple[str, Cell, str]], tones: Tones) -> None:
        line = Text()
        for label, cell, detail in cells:
            if line:
                line.append(" · ")
            line.append(
                f"{cell.text} ",
                style={"ok": tones.success, "fail": tones.error}.get(cell.state),
            )
            line.append(f"{label}: {detail}")
        widget = self.query_one("#platform-checks", QuietText)
        widget.display = bool(cells)
        widget.show(line)
