"""The base of the main screen and its parts, and what they may ask of the app: `Room`, a small
interface the app provides (posting's screens take their collection the same way). The screens
never import the app: the app imports them, and nothing goes round in a circle."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from textual.screen import Screen

from tui.base.clock import Clock
from tui.base.config import Config
from tui.bus.acks import Acks
from tui.ops.engine import Operations
from tui.ops.happenings import Happening
from tui.ops.keeper import Keeper
from widgets.parts.tones import Tones

if TYPE_CHECKING:
    from widgets.screens.main import MainScreen


class Room(Protocol):
    """What the main screen and its views read of the room, and the few things they ask of it."""

    root: Path
    config: Config
    clock: Clock
    tones: Tones
    demo: Any  # the demo copy, or None
    watcher: dict[str, Any] | None  # the watcher this room reads, or None
    writer: bool
    read_only_reason: str | None
    probing: bool
    channels_failing: int
    acks: Acks
    operations: Operations
    keeper: Keeper
    notices: list[tuple[str, str, str, str]]

    def start(self, main: MainScreen) -> None: ...

    def escalate(self) -> Any: ...  # a worker: firing incidents due a rung are announced

    def request_scan(self, *, archive: bool = False) -> None: ...

    def send_to_watcher(self, action: str, target: str, note: str, until: str = "") -> str: ...

    def why_no_ticket_writes(self) -> str | None: ...

    def take_over(self) -> bool: ...

    def tell(self, happenings: Sequence[Happening]) -> None: ...


class RoomScreen(Screen[None]):
    @property
    def room(self) -> Room:
        return self.app  # type: ignore[return-value]
