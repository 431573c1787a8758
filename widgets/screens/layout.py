"""Which pane is current: below 100 columns or 30 rows the main screen shows it alone, under a
one-line summary of all five (the stylesheet hides the others); 1–5 and tab move between them."""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Input

from widgets.panes.budgets import BudgetsTable
from widgets.panes.inboxes import RolesTable, TicketsTable
from widgets.panes.incidents import IncidentsTable
from widgets.panes.probes import SitesTable
from widgets.parts.quiet import QuietText

ORDER = ("roles", "tickets", "probes", "budgets", "incidents")
PANES = {
    "roles": ("roles-pane", RolesTable),
    "tickets": ("tickets-pane", TicketsTable),
    "probes": ("probes", SitesTable),
    "budgets": ("budgets", BudgetsTable),
    "incidents": ("incidents", IncidentsTable),
}
LABELS = {
    "roles": "Inboxes",
    "tickets": "Tickets",
    "probes": "Probes",
    "budgets": "Budgets",
    "incidents": "Incidents",
}


class PaneLayout(Screen[None]):
    current = "roles"
    counts: dict[str, str]  # pane → its short count, for the summary line

    def action_focus_pane(self, pane: str) -> None:
        self.show_pane(pane)

    def action_next_pane(self, step: int) -> None:
        self.show_pane(ORDER[(ORDER.index(self.current) + step) % len(ORDER)])

    def show_pane(self, pane: str) -> None:
        """Make `pane` current (on a small screen: the one shown) and focus its table."""
        self._mark(pane)
        table = self.query_one(PANES[pane][1])

        def focus() -> None:  # shown first: a hidden table cannot take focus
            if not isinstance(self.app.focused, Input):  # never taken from what is being typed
                table.focus()

        self.call_after_refresh(focus)

    def _mark(self, pane: str) -> None:
        self.current = pane
        for name, (container, _) in PANES.items():
            self.query_one(f"#{container}").set_class(name == pane, "-current")
        for row in ("#top", "#bottom"):
            holder = self.query_one(row)
            holder.set_class(bool(holder.query(".-current")), "-holds-current")
        self.refresh_summary()

    def on_descendant_focus(self, event: object) -> None:
        """Focus moved by other means (a click, a thread's row): that pane is current."""
        focused = self.app.focused
        for name, (container, _) in PANES.items():
            if focused is not None and self.query_one(f"#{container}") in focused.ancestors:
                if name != self.current:
                    self._mark(name)
                return

    def refresh_summary(self) -> None:
        """Small screens: every pane's count on one line, the current one marked."""
        text = Text(no_wrap=True, overflow="ellipsis")
        for index, name in enumerate(ORDER, 1):
            style = "reverse bold" if name == self.current else ""
            count = self.counts.get(name, "")
            text.append(f" {index} {LABELS[name]}{' ' + count if count else ''} ", style=style)
        self.query_one("#pane-summary", QuietText).show(text, layout=False)
