"""Every screen of the room, for the docs' keys reference and the test that each key has a line."""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding

from widgets.parts.tables import KeyedTable
from widgets.screens.actions import ActionsScreen
from widgets.screens.budget import BudgetScreen
from widgets.screens.confirm import ConfirmScreen
from widgets.screens.deliveries import DeliveriesScreen
from widgets.screens.flow import FlowScreen
from widgets.screens.forms import NewTicketScreen, ReplyScreen
from widgets.screens.help import EVERYWHERE, HELP, MARKS, TABLE_KEYS, HelpScreen, key_label
from widgets.screens.incident import IncidentScreen
from widgets.screens.intents import IntentsScreen
from widgets.screens.main import MainScreen
from widgets.screens.note import NoteScreen
from widgets.screens.notices import NoticesScreen
from widgets.screens.site import SiteScreen
from widgets.screens.ticket import TicketScreen

SCREENS = (
    MainScreen,
    TicketScreen,
    IncidentScreen,
    SiteScreen,
    BudgetScreen,
    DeliveriesScreen,
    ActionsScreen,
    IntentsScreen,
    FlowScreen,
    NoticesScreen,
    ReplyScreen,
    NewTicketScreen,
    ConfirmScreen,
    NoteScreen,
    HelpScreen,
)


def _table(rows: Iterable[tuple[str, str]]) -> list[str]:
    lines = ["| key | does |", "|---|---|"]
    for keys, does in rows:
        does = does.replace("|", "\\|").replace("<", "&lt;")
        lines.append(f"| `{keys}` | {does} |")
    return [*lines, ""]


def _rows(bindings: Iterable[Binding | tuple[str, ...]]) -> list[tuple[str, str]]:
    """Each binding's keys and its line in HELP; a binding without one is an error, not a gap."""
    rows = []
    for binding in bindings:
        if isinstance(binding, Binding):
            if binding.id not in HELP:
                raise KeyError(f"the key {binding.key!r} ({binding.id}) has no line in HELP")
            rows.append((key_label(binding), HELP[binding.id]))
    return rows


def keys_markdown(app_bindings: Iterable[Binding | tuple[str, ...]]) -> str:
    """The keys of every view, from their bindings: the reference page of the docs."""
    lines = ["## Everywhere", "", *_table(_rows(app_bindings) + EVERYWHERE)]
    lines += ["## In any table", "", *_table(_rows(KeyedTable.BINDINGS) + TABLE_KEYS)]
    for screen in SCREENS:
        title = getattr(screen, "HELP_TITLE", screen.__name__)
        lines += [f"## {title}", ""]
        opens = getattr(screen, "ENTER_OPENS", "")
        rows = _rows(screen.BINDINGS) + ([("enter", opens)] if opens else [])
        lines += _table(rows)
    lines += ["## Marks in the tickets", "", *_table(MARKS)]
    return "\n".join(lines)
