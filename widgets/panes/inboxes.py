"""The inbox pane: every role with its counts, and the selected role's tickets."""

from __future__ import annotations

from rich.text import Text

from tui.base.sanitize import shorten
from tui.view.inboxes import RoleRow, TicketRow
from widgets.parts.styles import Palette
from widgets.parts.tables import Col, KeyedTable

ALL_ROLES = "*"


class RolesTable(KeyedTable):
    def __init__(self, **kwargs: object) -> None:
        columns = [
            Col(" role", "role", None),
            Col(" tix", "tickets", 4),
            Col("   ↩", "responses", 4, hide_below=30),
            Col(" stale", "stale", 6),
            Col(" bad", "malformed", 4, hide_below=30),
            Col(" oldest", "oldest", 10, hide_below=40),
        ]
        super().__init__(columns, **kwargs)

    def render_rows(self, rows: list[RoleRow], palette: Palette) -> None:
        total = RoleRow(
            "all inboxes",
            sum(r.tickets for r in rows),
            sum(r.responses for r in rows),
            sum(r.stale for r in rows),
            sum(r.malformed for r in rows),
            "",
            False,
        )
        cells = [(ALL_ROLES, _role_cells(total, palette))]
        cells += [(row.role, _role_cells(row, palette)) for row in rows]
        self.show(cells)


def _role_cells(row: RoleRow, palette: Palette) -> tuple[Text, ...]:
    name = Text(
        " " + row.role,
        style=palette.muted if row.missing else palette.plain,
        no_wrap=True,
        overflow="ellipsis",
    )
    stale = Text(
        f"{row.stale}" if row.stale else "·",
        style=palette.error if row.stale else palette.muted,
        justify="right",
    )
    bad = Text(
        f"{row.malformed}" if row.malformed else "·",
        style=palette.warning if row.malformed else palette.muted,
        justify="right",
    )
    return (
        name,
        Text(str(row.tickets), justify="right"),
        Text(
            str(row.responses) if row.responses else "·",
            justify="right",
            style=palette.plain if row.responses else palette.muted,
        ),
        stale,
        bad,
        Text(" " + row.oldest, style=palette.muted),
    )


class TicketsTable(KeyedTable):
    def __init__(self, **kwargs: object) -> None:
        columns = [
            Col(" P", "priority", 4),
            Col("status", "status", 11),
            Col("id", "id", 9),
            Col("from", "from", 14, hide_below=70),
            Col("subject", "subject", None),
            Col("   age", "age", 7),
        ]
        super().__init__(columns, **kwargs)

    def render_rows(self, rows: list[TicketRow], palette: Palette) -> None:
        self.show([(row.key, ticket_cells(row, palette)) for row in rows])


def ticket_cells(row: TicketRow, palette: Palette) -> tuple[Text, ...]:
    mark_styles = {
        "stale": palette.error,
        "acked": palette.warning,
        "malformed": palette.warning,
        "skew": palette.accent,
    }
    status_style = mark_styles.get(row.mark, palette.plain)
    status = row.status
    if row.mark == "acked":
        status = "STALE ✓"
    priority_style = (
        palette.error
        if row.priority in ("P0", "!!")
        else palette.warning
        if row.priority == "P1"
        else palette.plain
    )
    subject = row.subject + (" ⚠" if row.mark == "warn" else "")
    return (
        Text(" " + row.priority, style=priority_style),
        Text(status, style=status_style),
        Text(shorten(row.ticket_id, 8), no_wrap=True),
        Text(shorten(row.sender, 13), no_wrap=True),
        Text(
            subject,
            no_wrap=True,
            overflow="ellipsis",
            style=palette.warning if row.mark == "malformed" else palette.plain,
        ),
        Text(row.age, style=palette.muted, justify="right"),
    )
