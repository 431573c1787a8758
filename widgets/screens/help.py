"""`?`: the keys of the screen it is pressed in, built from that screen's bindings.

A key cannot exist without its line: every binding has an id, and HELP says what it does; a
binding with no entry there still shows, with its short description.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from widgets.parts.keyline import KeyLine
from widgets.parts.tables import KeyedTable

KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "colon": ":",
    "ctrl+p": "ctrl+p",
    "shift+tab": "shift+tab",
}
HELP = {
    "main.command": "a command, typed (the k9s habit): :incidents, :inbox operator, :stale, "
    ":deliveries, :filter TEXT, :quit …",
    "notices.back": "back to the room",
    "notices.help": "this list",
    "main.notices": "the room's messages again, newest first (on a small screen they are one "
    "line above the keys, not toasts over the panes)",
    "main.intents": "hat switches: every intent under intents/ (a role acting in another's "
    "hat), open ones first; overdue ones are in the header and in check",
    "main.flow": "the crew's flow: per role what waits, the last pickup, tickets in and out per "
    "day, cycle times, how its answers went; an IDLE role has work waiting and no answer",
    "flow.back": "back to the room",
    "flow.help": "this list",
    "intents.back": "back to the room",
    "intents.help": "this list",
    "confirm.yes": "yes: do it",
    "confirm.no": "no: nothing is done",
    "main.take-over": "take over as the writer when the watcher stopped (nobody probing): this "
    "room then probes and records until it closes",
    "room.quit": "quit the room (in a view: back)",
    "room.help": "this list: the keys of the screen you are on",
    "main.filter": "filter tickets: words; role:x; status: open, done, rejected, clarify "
    "(= needs_clarification), blocked or stale; priority:P0; from:x; persona:x; is:response or "
    "is:request (commas for several: priority:P0,P1); sort:risk or sort:severity orders a "
    "panel's findings by their grades",
    "main.clear-filter": "clear the filter",
    "main.ack": "acknowledge: the selected stale clarification (stops its reminders), or, in "
    "the incidents pane, the selected firing incident",
    "main.stale": "every stale clarification, in every inbox",
    "main.rescan": "read every inbox again now (the screen follows the files by itself)",
    "main.pane-inboxes": "go to the inboxes",
    "main.pane-tickets": "go to the tickets",
    "main.pane-probes": "go to the probes (enter: a site's recent probes)",
    "main.pane-budgets": "go to the error budgets (enter: a site's budgets in full)",
    "main.pane-incidents": "go to the incidents (enter: an incident's record; 'for': how long an "
    "open one has fired, or how long a resolved one lasted)",
    "main.deliveries": "deliveries: every ticket marked done whose verify URL the room checks "
    "(enter: the ticket)",
    "main.reply": "reply to the selected ticket: status, body, preview; the answer goes to the "
    "sender's inbox and the ticket to the archive (unless kept)",
    "main.archive": "archive the selected ticket, or every ticket marked with space "
    "(tickets/archive/<YYYY-MM>/); asks first when one is hidden by the filter, a stale "
    "clarification or an open request",
    "main.mark": "mark or unmark the selected ticket (for x)",
    "main.undo": "undo the last archive move (or a reply's archive) made since the room started",
    "main.new": "new ticket: role, priority, subject, deliverable, verify, body",
    "main.actions": "what was done from the room and the command line (.room/actions.jsonl)",
    "main.next-pane": "next pane (below 100×30 the room shows one pane at a time)",
    "main.previous-pane": "previous pane",
    "ticket.back": "back to where it was opened from: the room, a list, the ticket before",
    "ticket.ack": "acknowledge this ticket, if it is a stale clarification",
    "ticket.reply": "reply to this ticket (the form of R in the room)",
    "ticket.next": "next part: front matter, thread, body (enter on a thread line opens it)",
    "ticket.down": "scroll the part with the focus down a line (the body, at first)",
    "ticket.up": "scroll it up a line",
    "incident.back": "back to the room",
    "incident.ack": "acknowledge this firing incident, with a note (“applied KB entry <id>”)",
    "incident.resolve": "resolve it by hand, with a note of what was done",
    "incident.kb": "save its pattern and your fix to the knowledge base",
    "incident.silence": "silence its pages for a while (“30m deploy in progress”): it stays open "
    "and counted; the pages resume when the silence ends",
    "site.back": "back to the room",
    "deliveries.back": "back to the room",
    "reply.send": "send: write the response (and archive the ticket unless kept)",
    "reply.cancel": "close; the text is kept as a draft for the next R on this ticket",
    "new.send": "send: write the ticket into the role's inbox",
    "new.cancel": "close; the text is kept as a draft for the next N",
    "actions.back": "back to the room",
    "actions.help": "this list",
    "deliveries.open": "open the selected delivery's ticket",
    "deliveries.help": "this list",
    "budget.back": "back to the room",
    "note.cancel": "cancel",
    "ticket.help": "this list",
    "incident.help": "this list",
    "site.help": "this list",
    "budget.help": "this list",
    "help.close": "close this list",
    "table.down": "down a row",
    "table.up": "up a row",
    "table.top": "first row",
    "table.bottom": "last row",
}
TABLE_KEYS = [("↑ ↓", "move")]
EVERYWHERE = [
    ("ctrl+p", "command palette: go to an inbox, the stale list, rescan, themes"),
    ("tab / shift+tab", "next / previous part of the screen"),
]
MARKS = [
    ("STALE", "needs_clarification, waiting longer than stale_after"),
    ("STALE ✓", "stale, acknowledged by a person"),
    ("clarify?", "status needs_clarification (not stale yet)"),
    ("↩", "a response (answers another ticket)"),
    ("done ✘", "marked done, but its verify URL does not answer as asked (6: deliveries)"),
    ("●", "marked with space: x archives every marked ticket"),
    ("future", "in the age column: created in the future (clock skew)"),
    ("⚠", "the ticket has warnings (open it to read them)"),
    ("BROKEN", "a file that cannot be read as a ticket; the subject says why"),
]

Rows = list[tuple[str, str]]


def key_label(binding: Binding) -> str:
    return " / ".join(KEY_NAMES.get(key, key) for key in binding.key.split(","))


def binding_rows(bindings: Iterable[Binding | tuple[str, ...]]) -> Rows:
    rows = []
    for binding in bindings:
        if isinstance(binding, Binding):
            rows.append((key_label(binding), HELP.get(binding.id or "", binding.description)))
    return rows


def help_sections(
    screen: Screen[Any], app_bindings: Iterable[Binding | tuple[str, ...]]
) -> list[tuple[str, Rows]]:
    """The screen's own keys first, then the tables', then the keys that work everywhere."""
    title = getattr(screen, "HELP_TITLE", type(screen).__name__.removesuffix("Screen") or "Room")
    sections: list[tuple[str, Rows]] = [(title, binding_rows(type(screen).BINDINGS))]
    if screen.query(KeyedTable):
        rows = binding_rows(KeyedTable.BINDINGS) + TABLE_KEYS
        opens = getattr(screen, "ENTER_OPENS", "")  # only where enter on a row does something
        if opens:
            rows.append(("enter", opens))
        sections.append(("In a table", rows))
    sections.append(("Everywhere", binding_rows(app_bindings) + EVERYWHERE))
    if screen.query("TicketsTable"):
        sections.append(("Marks in the tickets", MARKS))
    return sections


class HelpScreen(ModalScreen[None]):
    HELP_TITLE = "This list of keys"
    BINDINGS = [Binding("escape,q,question_mark", "dismiss_help", "Close", id="help.close")]

    def __init__(self, sections: list[tuple[str, Rows]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
        table.add_column("keys", no_wrap=True, style="bold")
        table.add_column("does", ratio=1)  # long lines wrap inside their column
        for title, rows in self.sections:
            table.add_row(Text(title, style="bold underline"), Text(""))
            for keys, description in rows:
                table.add_row(Text("  " + keys), Text(description))
            table.add_row(Text(""), Text(""))
        table.add_row(Text("escape / ?", style="dim"), Text("closes this list", style="dim"))
        with VerticalScroll(id="help") as box:
            box.border_title = "Keys"
            yield Static(table)
        yield KeyLine()  # this view's keys, not the screen's below

    def action_dismiss_help(self) -> None:
        self.dismiss(None)


def open_help(app: App[Any]) -> None:
    """`?`: the keys of the screen on top (not over a question being typed, nor over itself)."""
    from widgets.screens.note import NoteScreen

    if not isinstance(app.screen, HelpScreen | NoteScreen):
        app.push_screen(HelpScreen(help_sections(app.screen, app.BINDINGS)))
