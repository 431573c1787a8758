"""The main screen's panes drawn from the frozen values the app hands it: the header and
the freeze banner, the inboxes and the tickets (filtered, marked), the probes, the budgets, the
incidents, and each pane's count for the one-line summary of a small screen."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from tui.bus.filter import Filter
from tui.bus.scanner import BusSnapshot, stale_tickets
from tui.ops.checks import ProbeResult
from tui.ops.outcomes import OpsView
from tui.view.budgets import budgets_summary
from tui.view.header import (
    HeaderView,
    freeze_banner,
    open_hats,
    probes_note,
    sites_down,
    watcher_piece,
)
from tui.view.inboxes import inboxes_title, role_rows, ticket_rows
from tui.view.incidents import incident_record, incidents_summary
from tui.view.probes import platform_cells, site_rows
from widgets.panes.budgets import BudgetsPane
from widgets.panes.header import StatusBar
from widgets.panes.inboxes import ALL_ROLES, RolesTable, TicketsTable
from widgets.panes.incidents import IncidentsPane
from widgets.panes.probes import ProbesPane, SitesTable
from widgets.parts.quiet import QuietText, set_title
from widgets.screens.room_screen import RoomScreen

if TYPE_CHECKING:
    pass


class PaneRefresh(RoomScreen):
    """Drawing the panes (mixed into MainScreen)."""

    bus: BusSnapshot | None
    ops: OpsView
    reading: bool
    arrived: dict[tuple[str | None, str], ProbeResult]
    waiting: frozenset[str]
    selected_role: str
    filter: Filter
    filter_text: str
    marked: dict[str, str]
    shown: set[str]
    counts: dict[str, str]

    if TYPE_CHECKING:  # the main screen's layout

        def refresh_summary(self) -> None: ...

    def refresh_view(self, now: datetime | None = None) -> None:
        if self.bus is None:
            return
        room, bus, tones = self.room, self.bus, self.room.tones
        now = now or room.clock()
        acked = room.acks.ids()
        stale = stale_tickets(bus.tickets, now, room.config.stale_after)
        with self.app.batch_update():
            header = HeaderView(
                root=str(room.root),  # the demo's too: drop a ticket in and watch it arrive
                stale=len(stale),
                acked=sum(1 for t in stale if t.id in acked),
                malformed=len(bus.malformed),
                read_only=room.read_only_reason,
                watched=watcher_piece(room.watcher, now) if room.watcher else None,
                unwatched=room.writer and room.probing and bool(room.config.sites),
                channels_failing=room.channels_failing,
                not_live=len(self.ops.not_live),
                demo=room.demo is not None,
                problems=bus.problems,
                incidents=len(self.ops.open_incidents),
                freeze=self.ops.budget.freeze,
                down=tuple(s for s in sites_down(self.ops.results) if s not in self.ops.quiet),
                hats=open_hats(bus.intents),
                maintenance=tuple(w.words() for w in self.ops.windows if w.active(now)),
                hats_overdue=sum(
                    1 for i in bus.intents if i.overdue(now, room.config.intent_after)
                ),
            )
            self.query_one(StatusBar).render_header(header, tones)
            self.query_one(RolesTable).render_rows(
                role_rows(bus, now, room.config.stale_after), tones
            )
            role = None if self.selected_role == ALL_ROLES else self.selected_role
            not_live = {d.path for d in self.ops.not_live}
            present = {t.path: t.id for t in bus.tickets}
            self.marked = {  # a mark whose ticket left (or whose path another took) is dropped
                path: tid for path, tid in self.marked.items() if present.get(path) == tid
            }
            rows, matched = ticket_rows(
                bus,
                role,
                now,
                room.config.stale_after,
                acked,
                self.filter,
                not_live,
                set(self.marked),
            )
            self.shown = {row.key for row in rows}
            self.query_one(TicketsTable).render_rows(rows, tones)
            where = "every inbox" if role is None else f"to_{role}"
            title = f"Tickets · {where} · {len(rows)}" + (
                f" of {matched}" if matched > len(rows) else ""
            )
            set_title(
                self.query_one("#tickets-pane"),
                title + (" · still reading…" if self.reading else ""),
            )
            self._show_filter_status(len(rows), matched)
            set_title(self.query_one("#roles-pane"), inboxes_title(bus, now))
            self.counts["roles"], self.counts["tickets"] = str(len(bus.roles)), str(len(rows))
            self.refresh_summary()

    def _show_filter_status(self, shown: int, matched: int) -> None:
        status = self.query_one("#filter-status", QuietText)
        if self.filter.empty and not self.filter.problems:
            status.set_class(False, "-shown")
            return
        tones = self.room.tones
        if self.filter.problems:  # what it cannot read comes first: it is why nothing shows
            text = Text("filter: ", style=tones.muted)
            text.append(" · ".join(self.filter.problems), style=tones.warning)
            text.append(" — matches nothing", style=tones.muted)
        else:
            text = Text(f"filter: {self.filter_text} — {shown} shown", style=tones.muted)
        if matched > shown:
            text.append(f" (first {shown} of {matched}; narrow the filter)")
        status.show(text, layout=False)  # one fixed line
        status.set_class(True, "-shown")

    def refresh_probes(self) -> None:
        room, tones = self.room, self.room.tones
        latest = {(r.site, r.check): r for r in self.ops.results} | self.arrived
        if not self.query(ProbesPane):  # the room is coming down: its panes are already gone
            return
        pane = self.query_one(ProbesPane)
        note = probes_note(
            sites=len(room.config.sites),
            results=len(latest),
            probing=room.probing,
            writer=room.writer,
            why=room.read_only_reason or ("the watcher probes" if room.watcher else None),
        )
        pane.show_note(Text(note, style=tones.muted))
        sites = [site.name for site in room.config.sites]
        rows = site_rows(
            list(latest.values()),
            self.ops.http_history,
            sites,
            self.waiting,
            room.config.latency_p95_ms,
            self.ops.quiet,
        )
        pane.query_one(SitesTable).render_rows(rows, tones)
        pane.show_platform(platform_cells(list(latest.values())), tones)
        failing = sum(1 for row in rows if row.failing)
        newest = max((r.at for r in latest.values()), default=None)
        title = f"Probes · {len(rows)} sites" + (f" · {failing} failing" if failing else "")
        if self.waiting:
            title += f" · {len(self.waiting)} waiting"
        elif newest is not None and room.clock() - newest > 2 * room.config.probe_interval:
            # Said only when late: a title that changes every round repaints the whole pane
            # (9 KB a round over SSH); rows keep their own failures and the header the alarms.
            title += f" · last round {newest:%H:%M:%S}Z, late"
        set_title(pane, title)
        self.counts["probes"] = f"{failing}✗" if failing else ("…" if self.waiting else "")
        self.refresh_summary()

    def refresh_budgets(self) -> None:
        budget, tones = self.ops.budget, self.room.tones
        sites = [site.name for site in self.room.config.sites]
        summary = budgets_summary(budget.statuses, sites)
        self.query_one(BudgetsPane).render_summary(summary, tones)
        frozen = sum(1 for status in budget.statuses if status.frozen)
        self.counts["budgets"] = f"{frozen} frozen" if frozen else ""
        banner = self.query_one("#freeze-banner", QuietText)
        banner.set_class(budget.freeze, "-shown")
        if budget.freeze:
            width = max(banner.size.width, self.app.size.width - 2)
            banner.show(tones.text(freeze_banner(budget, self.room.config.freeze_below, width)))

    def refresh_incidents(self, now: datetime | None = None) -> None:
        summary = incidents_summary(
            self.ops.incidents, self.ops.kb_broken, now or self.room.clock()
        )
        self.query_one(IncidentsPane).render_summary(summary, self.room.tones)
        opened = len(self.ops.open_incidents)
        self.counts["incidents"] = f"{opened} open" if opened else ""
        self.refresh_summary()
        from widgets.screens.incident import IncidentScreen

        for screen in self.app.screen_stack:
            if isinstance(screen, IncidentScreen):
                incident = self.ops.incident(screen.incident_id)
                if incident is not None:
                    screen.show(incident.state, incident_record(incident, self.ops.kb))
