"""How the room tells a person what happened, mixed into the app: announcements (merged when
many come at once, with the bell for the urgent ones), every message kept for `M`, and on a small
screen one line above the keys instead of a toast over the pane being read."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from rich.text import Text
from textual.app import App

from tui.base.config import Config
from tui.ops.happenings import Announcement, Happening
from tui.view.header import announcements, merged

NOTICES_KEPT = 200  # the messages M lists


class Announcing(App[None]):
    """Announcements and the messages kept for M (mixed into RoomApp)."""

    clock: Callable[[], Any]
    notices: list[tuple[str, str, str, str]]
    config: Config

    def announce(self, announcements: Iterable[Announcement]) -> None:
        bell = False
        for a in merged(list(announcements)):
            self.notify(a.text, title=a.title, severity=a.severity, timeout=a.timeout, markup=False)
            bell = bell or a.bell
        if bell:
            self.bell()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every message is kept (M lists them); on a small screen it is one line above the keys
        instead of a toast over the pane being read."""
        said = Text.from_markup(message).plain if markup else message
        self.notices.append((self.clock().strftime("%H:%M:%S"), str(severity), title, said))
        del self.notices[:-NOTICES_KEPT]
        from widgets.screens.main import MainScreen  # the app's first screen

        main = self.screen_stack[0] if self.screen_stack else None
        if isinstance(main, MainScreen) and main.is_attached and main.small:
            text = Text(" ")
            if severity == "error":
                text.append("✖ ", style="bold")
            text.append(f"{title}: " if title else "", style="bold")
            text.append(" ".join(said.split()))
            text.append("  (M: messages)", style="dim")
            text.truncate(max(self.size.width - 1, 10), overflow="ellipsis")
            main.show_notice(text, timeout or 8)
            return
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def tell(self, happenings: Sequence[Happening]) -> None:
        """The watchkeeper's events, in their own words (the watcher logs and pages the same)."""
        self.announce(announcements(happenings, self.config.stale_after))
