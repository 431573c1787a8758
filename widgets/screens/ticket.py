"""One ticket in full: its front matter, warnings, the thread it belongs to, its body."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Markdown, Static

from tui.view.ticket import TicketDetail
from widgets.parts.keyline import KeyLine
from widgets.parts.messages import AcknowledgeTicket, OpenTicket, ReplyToTicket
from widgets.parts.tables import Col, KeyedTable
from widgets.parts.tones import Tones


class ThreadTable(KeyedTable):
    def __init__(self, **kwargs: object) -> None:
        columns = [
            Col("", "relation", 13),
            Col("id", "id", 10),
            Col("status", "status", 21),
            Col("where", "where", 15, hide_below=60),
            Col("subject", "subject", None),
        ]
        super().__init__(columns, **kwargs)


class TicketScreen(Screen[None]):
    """Opened with enter on a ticket; escape goes back."""

    HELP_TITLE = "A ticket"
    ENTER_OPENS = "on a thread line: open that ticket"
    BINDINGS = [
        Binding("escape,q", "back", "Back", id="ticket.back"),
        Binding("a", "ack", "Acknowledge", id="ticket.ack"),
        Binding("R", "reply", "Reply", id="ticket.reply"),
        Binding("tab", "focus_next", "Next part", show=False, id="ticket.next"),
        Binding("j", "scroll(1)", "Down", show=False, id="ticket.down"),
        Binding("k", "scroll(-1)", "Up", show=False, id="ticket.up"),
        Binding("question_mark", "app.help", "Keys", id="ticket.help"),
    ]

    def __init__(self, detail: TicketDetail, tones: Tones) -> None:
        super().__init__()
        self.detail = detail
        self.tones = tones

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="ticket-meta") as meta:  # scrolls when it does not fit (80×24)
            meta.border_title = "ticket"
            yield Static(self._meta_text(), id="ticket-fields")
        if self.detail.thread:
            thread = ThreadTable(id="ticket-thread")
            thread.styles.height = min(len(self.detail.thread) + 1, 6)
            thread.border_title = "thread"
            yield thread
        with VerticalScroll(id="ticket-body") as body:
            body.border_title = "body"
            yield Markdown(self.detail.body or "*(no body)*", open_links=False)
        yield KeyLine()

    def on_mount(self) -> None:
        if self.detail.thread:
            table = self.query_one(ThreadTable)
            table.show(
                [
                    (
                        line.key or f"-{index}",
                        (
                            Text(line.relation, style=self.tones.muted),
                            Text(line.ticket_id),
                            Text(line.status),
                            Text(line.where, style=self.tones.muted),
                            Text(line.subject, no_wrap=True, overflow="ellipsis"),
                        ),
                    )
                    for index, line in enumerate(self.detail.thread)
                ]
            )
        self.query_one("#ticket-body").focus()

    def _meta_text(self) -> Text:
        text = Text()
        text.append(self.detail.title + "\n", style="bold")
        if self.detail.stale:
            text.append(
                "STALE: this clarification has waited too long; press a to acknowledge\n",
                style=self.tones.error,
            )
        elif self.detail.acknowledged:
            text.append(
                "STALE, acknowledged: no more reminders while it waits\n", style=self.tones.warning
            )
        width = max((len(name) for name, _ in self.detail.fields), default=0)
        for name, value in self.detail.fields:
            text.append(f"{name:>{width}}  ", style=self.tones.muted)
            text.append(value + "\n")
        for warning in self.detail.warnings:
            text.append("⚠ " + warning + "\n", style=self.tones.warning)
        text.rstrip()
        return text

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key and not key.startswith("-"):
            self.post_message(OpenTicket(key))

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.prevent_default()
        self.app.notify(f"Links do not open from the room: {event.href}", markup=False)

    def action_reply(self) -> None:
        self.post_message(ReplyToTicket(self.detail.path))

    def action_ack(self) -> None:
        self.post_message(AcknowledgeTicket(self.detail.path))

    def acknowledged(self) -> None:
        """The room acknowledged this ticket: the banner says so, no longer 'press a'."""
        if self.detail.stale:
            self.detail = replace(self.detail, stale=False, acknowledged=True)
            self.query_one("#ticket-fields", Static).update(self._meta_text())

    def action_scroll(self, lines: int) -> None:
        """j / k: the part with the focus (the body, unless tab moved it) scrolls a line."""
        for part in (self.focused, self.query_one("#ticket-body")):
            if isinstance(part, VerticalScroll):
                part.scroll_relative(y=lines, animate=False)
                return

    def action_back(self) -> None:
        self.dismiss(None)
