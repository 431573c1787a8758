"""The base of the main screen and its parts: the app it belongs to, typed as the room."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen

if TYPE_CHECKING:
    from tui.app import RoomApp


class RoomScreen(Screen[None]):
    @property
    def room(self) -> RoomApp:
        return self.app  # type: ignore[return-value]
