"""The inbox pane: every role with its counts, and the selected role's tickets."""

from __future__ import annotations

from rich.text import Text

from tui.base.sanitize import shorten
from tui.view.inboxes import RoleRow, TicketRow
from widgets.parts.tables import Col, KeyedTable
from widgets.parts.tones import Tones

ALL_ROLES = "*"


class RolesTable(KeyedTable):
    def __init__(self, **kwargs: object) -> None:
        columns = [
            Col(" role", "role", None, fit=True),
            Col(" tix", "tickets", 4),
            Col("   ↩", "responses", 4, hide_below=30),
            Col(" stale", "stale", 6),
            Col(" bad", "malformed", 4, hide_below=30),
            Col(" oldest", "oldest", 9, hide_below=40),  # " 100d23h" fits
        ]
        super().__init__(columns, **kwargs)

    def render_rows(self, rows: list[RoleRow], tones: Tones) -> None:
        total = RoleRow(
            "all inboxes",
            sum(r.tickets for r in rows),
            sum(r.responses for r in rows),
            sum(r.stale for r in rows),
            sum(r.malformed for r in rows),
            "",
            False,
        )
        cells = [(ALL_ROLES, _role_cells(total, tones))]
        cells += [(row.role, _role_cells(row, tones)) for row in rows]
        self.show(cells)


def _role_cells(row: RoleRow, tones: Tones) -> tuple[Text, ...]:
    name = Text(
        " " + row.role,
        style=tones.muted if row.missing else tones.plain,
        no_wrap=True,
        overflow="ellipsis",
    )
    stale = Text(
        f"{row.stale}" if row.stale else "·",
        style=tones.error if row.stale else tones.muted,
        justify="right",
    )
    bad = Text(
        f"{row.malformed}" if row.malformed else "·",
        style=tones.warning if row.malformed else tones.muted,
        justify="right",
    )
    return (
        name,
        Text(str(row.tickets), justify="right"),
        Text(
            str(row.responses) if row.responses else "·",
            justify="right",
            style=tones.plain if row.responses else tones.muted,
        ),
        stale,
        bad,
        Text(" " + row.oldest, style=tones.muted),
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

    def render_rows(self, rows: list[TicketRow], tones: Tones) -> None:
        self.show([(row.key, ticket_cells(row, tones)) for row in rows])


def ticket_cells(row: TicketRow, tones: Tones) -> tuple[Text, ...]:
    mark_styles = {
        "stale": tones.error,
        "acked": tones.warning,
        "malformed": tones.warning,
        "skew": tones.accent,
        "notlive": tones.error,
    }
    status_style = mark_styles.get(row.mark, tones.plain)
    status = row.status
    if row.mark == "acked":
        status = "STALE ✓"
    priority_style = (
        tones.error
        if row.priority in ("P0", "!!")
        else tones.warning
        if row.priority == "P1"
        else tones.plain
    )
    subject = row.subject + (" ⚠" if row.mark == "warn" else "")
    return (
        Text(("●" if row.marked else " ") + row.priority, style=priority_style),
        Text(status, style=status_style),
        Text(shorten(row.ticket_id, 8), no_wrap=True),
        Text(shorten(row.sender, 13), no_wrap=True),
        Text(
            subject,
            no_wrap=True,
            overflow="ellipsis",
            style=tones.warning if row.mark == "malformed" else tones.plain,
        ),
        Text(row.age, style=tones.muted, justify="right"),
    )
