"""The main screen's keys that open a view or take a typed command: deliveries (6), the crew's
flow (7), hat switches (I), messages (M), the `:` command line, taking over (W)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import work
from textual.widgets import Input

from tui.bus.scanner import BusSnapshot
from tui.ops.outcomes import OpsView
from tui.view.deliveries import deliveries_summary, delivery_rows
from widgets.screens.note import NoteScreen
from widgets.screens.room_screen import RoomScreen

if TYPE_CHECKING:
    pass

COMMAND_HELP = (
    "inboxes, tickets, probes, budgets, incidents, inbox ROLE, stale, deliveries, actions, "
    "messages, intents, flow, new, filter TEXT, help, quit"
)


class ViewKeys(RoomScreen):
    """Views and the command line (mixed into MainScreen)."""

    bus: BusSnapshot | None
    ops: OpsView

    if TYPE_CHECKING:  # the main screen's and its other parts'

        def show_role(self, role: str) -> None: ...

        def open_ticket(self, path: str, back: Callable[[], None] | None = None) -> Any: ...

        def action_focus_pane(self, pane: str) -> None: ...

        def action_filter(self) -> None: ...

        def action_stale(self) -> None: ...

        def action_actions(self) -> None: ...

        def action_new_ticket(self) -> None: ...

        def action_help(self) -> None: ...

    def action_deliveries(self) -> None:
        from widgets.screens.deliveries import DeliveriesScreen

        now = self.room.clock()
        rows = delivery_rows(self.ops.deliveries, now)
        summary = deliveries_summary(self.ops.deliveries, self.ops.unverified)

        def opened(path: str | None) -> None:
            if path:  # escape in the ticket view comes back to this list
                self.open_ticket(path, back=self.action_deliveries)

        self.app.push_screen(DeliveriesScreen(rows, summary, self.room.tones), opened)

    def action_take_over(self) -> None:
        self.room.take_over()

    def action_command_line(self) -> None:
        """`:incidents`, `:inbox operator` … (the k9s habit): where to go, typed."""

        def typed(line: str | None) -> None:
            if line is not None and line.strip():
                said = self.run_command(line)
                if said:
                    self.notify(said, severity="warning", timeout=6, markup=False)

        self.app.push_screen(NoteScreen(f":  {COMMAND_HELP}"), typed)

    def _views(self) -> dict[str, Callable[[], object]]:
        """The `:` commands that open a view or act (the panes are separate)."""
        return {
            "stale": self.action_stale,
            "deliveries": self.action_deliveries,
            "actions": self.action_actions,
            "messages": self.action_notices,
            "intents": self.action_intents,
            "flow": self.action_flow,
            "new": self.action_new_ticket,
            "help": self.action_help,
            "quit": self.app.exit,
        }

    def run_command(self, line: str) -> str | None:
        """Carry out one `:` command; a sentence when it is not one."""
        word, _, rest = line.strip().lstrip(":").strip().partition(" ")
        word, rest = word.lower(), rest.strip()
        panes = {"inboxes": "roles", "tickets": "tickets", "probes": "probes"}
        panes |= {"budgets": "budgets", "incidents": "incidents"}
        if word in panes:
            self.action_focus_pane(panes[word])
        elif word in ("inbox", "role"):
            roles = self.bus.roles if self.bus else ()
            if rest not in roles:
                return f"No inbox {rest!r}: one of {', '.join(roles) or 'none yet'}."
            self.show_role(rest)
        elif word in (views := self._views()):
            views[word]()
        elif word in ("filter", "/"):
            self.action_filter()
            self.query_one("#filter", Input).value = rest
        else:
            return f"Unknown command {word!r}: {COMMAND_HELP}"
        return None

    def action_notices(self) -> None:
        from widgets.screens.notices import NoticesScreen

        self.app.push_screen(NoticesScreen(self.room.notices))

    @work(thread=True, group="flow", exclusive=True, exit_on_error=False)
    def action_flow(self) -> None:
        """The crew's flow, read in a thread (it reads the recent archive)."""
        from tui.bus.flow import flow_of

        if self.bus is None:
            return
        room, now = self.room, self.room.clock()
        crew = flow_of(room.root, self.bus, now)
        self.app.call_from_thread(self._show_flow, crew, now)

    def _show_flow(self, crew: Any, now: datetime) -> None:
        from widgets.screens.flow import FlowScreen

        room = self.room
        self.app.push_screen(FlowScreen(crew, now, room.config.idle_after, room.tones))

    def action_intents(self) -> None:
        from widgets.screens.intents import IntentsScreen

        bus, room = self.bus, self.room
        intents, bad = (bus.intents, bus.bad_intents) if bus else ((), ())
        after = room.config.intent_after
        self.app.push_screen(IntentsScreen(intents, bad, room.clock(), after, room.tones))
