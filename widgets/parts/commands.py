"""The room's own commands in the palette (ctrl+p): inboxes, the stale list, a rescan, the keys."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual.command import Hit, Hits, Provider

from widgets.panes.inboxes import ALL_ROLES


class RoomCommands(Provider):
    def _commands(self) -> list[tuple[str, Any, str]]:
        main: Any = self.app.screen_stack[0]  # the main screen
        commands: list[tuple[str, Any, str]] = [
            ("Show stale clarifications", main.action_stale, "Every stale ticket, in every inbox"),
            (
                "Show every inbox",
                partial(main.show_role, ALL_ROLES),
                "Tickets of all roles together",
            ),
            ("Rescan the tickets now", main.action_rescan, "Read every inbox again"),
            (
                "Show deliveries",
                main.action_deliveries,
                "Tickets marked done, checked live from the outside (6)",
            ),
            ("Show the keys", main.action_help, "Every key the room answers to"),
        ]
        bus = getattr(main, "bus", None)
        for role in bus.roles if bus else ():
            commands.append(
                (f"Go to inbox: {role}", partial(main.show_role, role), f"The tickets of {role}")
            )
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield Hit(1.0, name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
