"""The incidents pane and one incident's record."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.base.clock import age_short, parse_iso
from tui.base.durations import format_duration
from tui.ops.incidents import Incident
from tui.ops.kb import Entry
from widgets.parts.quiet import QuietText, set_title
from widgets.parts.styles import Palette
from widgets.parts.tables import Col, KeyedTable


class IncidentsTable(KeyedTable):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            [
                Col(" state", "state", 8),
                Col("site", "site", None),
                Col("cause", "cause", 9, hide_below=30),
                Col("  age", "age", 6),
                Col(" tier", "tier", 5, hide_below=36),
            ],
            **kwargs,
        )

    def render_incidents(self, incidents: list[Incident], now: datetime, palette: Palette) -> None:
        order = sorted(
            incidents,
            key=lambda i: (not i.open, i.state != "triggered", i.opened_at),
            reverse=False,
        )
        rows = []
        for incident in order[:200]:
            style = {"triggered": palette.error, "acknowledged": palette.warning}.get(
                incident.state, palette.muted
            )
            label = {"triggered": "FIRING", "acknowledged": "ACKED", "resolved": "closed"}[
                incident.state
            ]
            opened = parse_iso(incident.opened_at)
            end = parse_iso(incident.resolved_at) if incident.resolved_at else now
            rows.append(
                (
                    incident.id,
                    (
                        Text(" " + label, style=style),
                        Text(incident.site or "platform", no_wrap=True, overflow="ellipsis"),
                        Text(
                            incident.cause.replace("burn:", "burn "),
                            no_wrap=True,
                            overflow="ellipsis",
                        ),
                        Text(age_short(end - opened), justify="right", style=palette.muted),
                        Text(f" {incident.tier}" if incident.open else "", style=palette.muted),
                    ),
                )
            )
        self.show(rows)


class IncidentsPane(Vertical):
    def compose(self) -> ComposeResult:
        yield QuietText(id="incidents-note")
        yield IncidentsTable(id="incidents-table")

    def render_book(
        self, incidents: list[Incident], broken_kb: list[str], now: datetime, palette: Palette
    ) -> None:
        note = Text()
        if not incidents:
            note.append(
                "No incidents. One opens when a check fails several rounds in a row "
                "or an error budget burns at page level.",
                style=palette.muted,
            )
        for line in broken_kb:
            note.append(("\n" if note else "") + f"⚠ {line}", style=palette.warning)
        widget = self.query_one("#incidents-note", QuietText)
        widget.display = bool(note.plain)
        widget.show(note)
        self.query_one(IncidentsTable).render_incidents(incidents, now, palette)
        firing = sum(1 for i in incidents if i.state == "triggered")
        opened = sum(1 for i in incidents if i.open)
        title = (
            "Incidents"
            + (f" · {opened} open" if opened else "")
            + (f" · {firing} firing" if firing else "")
        )
        set_title(self, title)


class IncidentScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q", "close", "Back", id="incident.back"),
        Binding("a", "ack", "Acknowledge", id="incident.ack"),
        Binding("r", "resolve", "Resolve", id="incident.resolve"),
        Binding("k", "save_kb", "Save to KB", id="incident.kb"),
    ]

    def __init__(
        self,
        incident: Incident,
        kb: list[Entry],
        palette: Palette,
        on_action: Callable[[str, Incident, str], None],
        now: datetime,
    ) -> None:
        super().__init__()
        self.incident = incident
        self.kb = kb
        self.palette = palette
        self.on_action = on_action
        self.now = now

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="incident-box") as box:
            box.border_title = "Incident"
            yield Static(self._text(), id="incident-record")

    def _text(self) -> Text:
        i, p = self.incident, self.palette
        text = Text()
        text.append(f"{i.id}\n", style="bold")
        state_style = {"triggered": p.error, "acknowledged": p.warning}.get(i.state, p.success)
        text.append(f"{i.state}", style=state_style)
        text.append(f" · {i.site or 'platform'} · {i.cause} · SLO {i.slo or '—'} · tier {i.tier}\n")
        text.append(f"{i.detail}\n\n")
        mtti, mttr = i.mtti(), i.mttr()
        text.append(
            f"MTTI {format_duration(mtti) if mtti else '—'} (first bad probe → acknowledged)   "
        )
        text.append(f"MTTR {format_duration(mttr) if mttr else '—'} (first bad probe → resolved)\n")
        burned = (
            "unknown" if i.budget_burned is None else f"{i.budget_burned * 100:.1f}% of the budget"
        )
        text.append(f"Error budget burned: {burned}\n")
        if i.acknowledged_by:
            text.append(f"Acknowledged by {i.acknowledged_by} at {i.acknowledged_at}\n")
        if i.resolution:
            text.append(f"Resolution: {i.resolution}\n")
        if i.postmortem:
            text.append(f"Post-mortem: {i.postmortem}\n")
        if i.postmortem_pending:
            text.append(
                "Post-mortem not written (inbox not writable): the incident keeps it.\n",
                style=p.warning,
            )
        entries = {e.id: e for e in self.kb}
        if i.kb_matches:
            text.append("\nKnowledge base matches (best first):\n", style="bold")
            for entry_id in i.kb_matches:
                entry = entries.get(entry_id)
                if entry:
                    text.append(
                        f"  {entry.id} (confidence {entry.confidence:.2f}): {entry.cause}\n"
                    )
                    text.append(f"    fix: {entry.fix}\n", style=p.accent)
            text.append(
                "  Acknowledge with “applied KB entry <id>” when you apply one.\n", style=p.muted
            )
        text.append("\nTimeline\n", style="bold")
        for at, line in i.timeline[-200:]:
            text.append(f"  {at}  ", style=p.muted)
            text.append(line + "\n")
        text.append(
            "\na acknowledge · r resolve by hand · k save this pattern to the KB · escape back",
            style=p.muted,
        )
        return text

    def _ask(self, action: str, prompt: str) -> None:
        def done(answer: str | None) -> None:
            if answer is not None:
                self.on_action(action, self.incident, answer)
                self.query_one("#incident-record", Static).update(self._text())

        self.app.push_screen(NoteScreen(prompt), done)

    def action_ack(self) -> None:
        if self.incident.state == "triggered":
            self._ask(
                "ack", "Acknowledge: a note (e.g. “applied KB entry KB-dns-registrar”), or empty"
            )
        else:
            self.app.notify("Only a firing incident can be acknowledged.", severity="warning")

    def action_resolve(self) -> None:
        if self.incident.open:
            self._ask("resolve", "Resolve by hand: what was done?")
        else:
            self.app.notify("This incident is already closed.", severity="warning")

    def action_save_kb(self) -> None:
        self._ask("kb", "Save to the knowledge base: the fix that works for this pattern")

    def action_close(self) -> None:
        self.dismiss(None)


class NoteScreen(ModalScreen[str | None]):
    """A one-line question; enter answers, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="note.cancel")]

    def __init__(self, prompt: str) -> None:
        super().__init__()
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box"):
            yield Static(Text(self.prompt))
            yield Input(id="note-input")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
