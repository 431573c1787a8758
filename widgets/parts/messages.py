"""Messages the widgets post upward (kept light: the app imports them at start)."""

from __future__ import annotations

from textual.message import Message


class OpenTicket(Message):
    """A person asked to open the ticket stored at `path` (relative to the state root)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
