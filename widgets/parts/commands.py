"""The room's own commands in the palette (ctrl+p): every pane, inbox and list, the forms, the
messages and actions, taking over, the keys, quitting."""

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
            (
                "Show incidents",
                partial(main.action_focus_pane, "incidents"),
                "Open incidents and the last week's (5)",
            ),
            (
                "Show probes",
                partial(main.action_focus_pane, "probes"),
                "Every site's checks, live (3)",
            ),
            (
                "Show error budgets",
                partial(main.action_focus_pane, "budgets"),
                "The seven SLOs per site, and the freeze (4)",
            ),
            ("New ticket", main.action_new_ticket, "Write a ticket into a role's inbox (N)"),
            (
                "Show actions",
                main.action_actions,
                "What was done from the room and the command line (L)",
            ),
            ("Show messages", main.action_notices, "The room's messages again (M)"),
            (
                "Take over as the writer",
                main.action_take_over,
                "When the watcher has stopped: this room probes and records (W)",
            ),
            ("Show the keys", main.action_help, "Every key the room answers to"),
            ("Quit", self.app.exit, "Leave the room (q)"),
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
