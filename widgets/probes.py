"""The probes pane: a row per site with a column per check, latency and its recent trend."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.probe_view import Cell, SiteRow
from widgets.styles import Palette
from widgets.tables import Col, KeyedTable


class SitesTable(KeyedTable):
    def __init__(self, **kwargs: object) -> None:
        columns = [
            Col(" site", "site", None),
            Col("http", "http", 7),
            Col("tls", "tls", 6, hide_below=32),
            Col("dns", "dns", 4, hide_below=38),
            Col(" latency", "latency", 8, hide_below=46),
            Col(" trend", "trend", 11, hide_below=56),
        ]
        super().__init__(columns, **kwargs)

    def render_rows(self, rows: list[SiteRow], palette: Palette) -> None:
        self.show([(row.key, site_cells(row, palette)) for row in rows])


def _mark(cell: Cell, palette: Palette) -> Text:
    style = {"ok": palette.success, "fail": palette.error}.get(cell.state, palette.muted)
    return Text(cell.text, style=style, no_wrap=True)


def site_cells(row: SiteRow, palette: Palette) -> tuple[Text, ...]:
    return (
        Text(
            " " + row.name,
            style=palette.error if row.failing else palette.plain,
            no_wrap=True,
            overflow="ellipsis",
        ),
        _mark(row.http, palette),
        _mark(row.tls, palette),
        _mark(row.dns, palette),
        Text(row.latency, justify="right", style=palette.muted),
        Text(" " + row.trend, style=palette.accent),
    )


class ProbesPane(Vertical):
    """The table of sites and, under it, the platform-wide checks (backups, containers)."""

    def compose(self) -> ComposeResult:
        yield Static(id="probes-note")
        yield SitesTable(id="sites")
        yield Static(id="platform-checks")

    def show_note(self, text: Text) -> None:
        note = self.query_one("#probes-note", Static)
        note.display = bool(text.plain)
        if text != getattr(note, "_last", None):  # unchanged text is not re-sent to the terminal
            note._last = text  # type: ignore[attr-defined]
            note.update(text)

    def show_platform(self, cells: list[tuple[str, Cell, str]], palette: Palette) -> None:
        line = Text()
        for label, cell, detail in cells:
            if line:
                line.append(" · ")
            line.append(
                f"{cell.text} ",
                style={"ok": palette.success, "fail": palette.error}.get(cell.state),
            )
            line.append(f"{label}: {detail}")
        widget = self.query_one("#platform-checks", Static)
        widget.display = bool(cells)
        if line != getattr(widget, "_last_line", None):
            widget._last_line = line  # type: ignore[attr-defined]
            widget.update(line, layout=False)
