"""One incident's record: acknowledge, resolve by hand, silence its pages for a while, save its
pattern to the knowledge base."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.base.durations import parse_duration
from widgets.parts.keyline import KeyLine
from widgets.parts.messages import IncidentAction
from widgets.parts.tones import Tones
from widgets.screens.note import NoteScreen

PROMPTS = {
    "ack": "Acknowledge: a note (e.g. “applied KB entry KB-dns-registrar”), or empty",
    "resolve": "Resolve by hand: what was done?",
    "kb": "Save to the knowledge base: the fix that works for this pattern",
    "silence": "Silence: for how long, then why (e.g. “30m deploy in progress”)",
}


class IncidentScreen(ModalScreen[None]):
    HELP_TITLE = "An incident"
    BINDINGS = [
        Binding("escape,q", "close", "Back", id="incident.back"),
        Binding("a", "ask('ack')", "Acknowledge", id="incident.ack"),
        Binding("r", "ask('resolve')", "Resolve", id="incident.resolve"),
        Binding("K", "ask('kb')", "Save to KB", id="incident.kb"),  # not k: vim's up
        Binding("S", "ask('silence')", "Silence", id="incident.silence"),
        Binding("question_mark", "app.help", "Keys", show=False, id="incident.help"),
    ]

    def __init__(
        self, incident_id: str, state: str, record: list[tuple[str, str]], tones: Tones
    ) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.state = state
        self.record = record
        self.tones = tones

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="incident-box") as box:
            box.border_title = "Incident"
            yield Static(self.tones.text(self.record), id="incident-record")
        yield KeyLine()  # this view's keys, not the screen's below

    def show(self, state: str, record: list[tuple[str, str]]) -> None:
        """The record changed (an action, a round): show it as it is now."""
        self.state, self.record = state, record
        self.query_one("#incident-record", Static).update(self.tones.text(record))

    def action_ask(self, action: str) -> None:
        if action == "ack" and self.state != "triggered":
            self.app.notify("Only a firing incident can be acknowledged.", severity="warning")
            return
        if action == "resolve" and self.state == "resolved":
            self.app.notify("This incident is already closed.", severity="warning")
            return

        if action == "silence" and self.state == "resolved":
            self.app.notify("A closed incident pages nothing.", severity="warning")
            return

        def answered(note: str | None) -> None:
            if note is None:
                return
            length = None
            if action == "silence":
                first, _, why = note.strip().partition(" ")
                try:
                    length = parse_duration(first)
                except ValueError:
                    length = None
                if length is None or not why.strip():
                    self.app.notify(
                        f"Not silenced: {PROMPTS['silence']}", severity="warning", markup=False
                    )
                    return
                note = why.strip()
            self.post_message(IncidentAction(action, self.incident_id, note, length))

        required = {
            "resolve": "Say what was done: an empty note resolves nothing.",
            "kb": "Say what the fix is: an empty fix is not saved.",
            "silence": "Say for how long and why: “30m deploy in progress”.",
        }.get(action)
        self.app.push_screen(NoteScreen(PROMPTS[action], required), answered)

    def action_close(self) -> None:
        self.dismiss(None)
