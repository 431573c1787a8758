"""The owner's forms: a reply to a ticket (R) and a new ticket (N).

ctrl+s sends, escape cancels; what was typed is handed back either way (`Form.sent` tells which),
so a cancelled or refused reply is never lost. The preview shows the file that will be written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Select, Static, TextArea

from widgets.parts.drafts import Form
from widgets.parts.keyline import KeyLine

REPLY_STATUSES = [
    ("done", "done"),
    ("rejected", "rejected"),
    ("needs clarification", "needs_clarification"),
    ("blocked", "blocked"),
    ("a plain answer (keeps the thread open)", "answer"),
]
PRIORITIES = ["P0", "P1", "P2", "P3"]


class ReplyScreen(ModalScreen[Form]):
    HELP_TITLE = "Reply"
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "send", "Send", id="reply.send"),
        Binding("escape", "cancel", "Cancel (kept as a draft)", id="reply.cancel"),
    ]

    def __init__(
        self, title: str, draft: Form, preview: Callable[[Form], str], question: str = ""
    ) -> None:
        super().__init__()
        self.title_text, self.draft, self.preview = title, draft, preview
        self.question = question  # the ticket's text (clean), above the answer

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box") as box:
            box.border_title = "Reply · ctrl+s sends · escape keeps a draft"
            yield Static(Text(self.title_text), id="form-title")
            if self.question:
                with VerticalScroll(id="form-question-box"):
                    yield Static(Text(self.question), id="form-question")
            with Horizontal(id="form-row"):
                yield Select(
                    REPLY_STATUSES, value=self.draft.status, allow_blank=False, id="reply-status"
                )
                yield Checkbox(keep_label(self.draft.keep), self.draft.keep, id="reply-keep")
            yield TextArea(self.draft.body, id="form-body", soft_wrap=True)
            with VerticalScroll(id="form-preview-box"):
                yield Static(id="form-preview")
        yield KeyLine()  # this view's keys, not the screen's below

    def on_mount(self) -> None:
        self.query_one("#form-body", TextArea).focus()
        self._refresh_preview()

    def _form(self, sent: bool) -> Form:
        status = self.query_one("#reply-status", Select).value
        return Form(
            sent=sent,
            status=str(status),
            keep=self.query_one("#reply-keep", Checkbox).value,
            body=self.query_one("#form-body", TextArea).text,
        )

    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _refresh_preview(self) -> None:
        keep = self.query_one("#reply-keep", Checkbox)
        keep.label = keep_label(keep.value)  # checked or not, it says so in words
        self.query_one("#form-preview", Static).update(Text(self.preview(self._form(False))))

    def action_send(self) -> None:
        self.dismiss(self._form(True))

    def action_cancel(self) -> None:
        self.dismiss(self._form(False))


def keep_label(keep: bool) -> str:
    return "keep: YES, stays in its inbox" if keep else "keep: no, archived once answered"


class NewTicketScreen(ModalScreen[Form]):
    HELP_TITLE = "New ticket"
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "send", "Send", id="new.send"),
        Binding("escape", "cancel", "Cancel (kept as a draft)", id="new.cancel"),
    ]

    def __init__(self, roles: list[str], draft: Form, preview: Callable[[Form], str]) -> None:
        super().__init__()
        self.roles, self.draft, self.preview = roles, draft, preview

    def compose(self) -> ComposeResult:
        role = self.draft.role if self.draft.role in self.roles else self.roles[0]
        with Vertical(id="form-box") as box:
            box.border_title = "New ticket · ctrl+s sends · escape keeps a draft"
            with Horizontal(id="form-row"):
                yield Select(
                    [(f"to {r}", r) for r in self.roles],
                    value=role,
                    allow_blank=False,
                    id="new-role",
                )
                yield Select(
                    [(p, p) for p in PRIORITIES],
                    value=self.draft.priority,
                    allow_blank=False,
                    id="new-priority",
                )
            yield Input(self.draft.subject, placeholder="subject (required)", id="new-subject")
            yield Input(
                self.draft.deliverable,
                placeholder="deliverable: what done looks like",
                id="new-deliverable",
            )
            yield Input(
                self.draft.verify,
                placeholder="verify: a URL that shows it live (optional)",
                id="new-verify",
            )
            yield TextArea(self.draft.body, id="form-body", soft_wrap=True)
            with VerticalScroll(id="form-preview-box"):
                yield Static(id="form-preview")
        yield KeyLine()  # this view's keys, not the screen's below

    def on_mount(self) -> None:
        self.query_one("#new-subject", Input).focus()
        self._refresh_preview()

    def _form(self, sent: bool) -> Form:
        return Form(
            sent=sent,
            role=str(self.query_one("#new-role", Select).value),
            priority=str(self.query_one("#new-priority", Select).value),
            subject=self.query_one("#new-subject", Input).value,
            deliverable=self.query_one("#new-deliverable", Input).value,
            verify=self.query_one("#new-verify", Input).value,
            body=self.query_one("#form-body", TextArea).text,
        )

    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(Input.Changed)
    def _refresh_preview(self) -> None:
        self.query_one("#form-preview", Static).update(Text(self.preview(self._form(False))))

    def action_send(self) -> None:
        form = self._form(True)
        if not form.subject.strip():
            self.notify("A ticket needs a subject.", severity="warning", timeout=4)
            self.query_one("#new-subject", Input).focus()
            return
        self.dismiss(form)

    def action_cancel(self) -> None:
        self.dismiss(self._form(False))
