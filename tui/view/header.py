"""Text the main screen composes: the header, the freeze banner, notes and announcements.

Each is a list of (text, tone) pieces; the widgets map a tone (bold, accent, muted, error,
warning, success, plain) to the running theme's style. Ticket text in them is already clean.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tui.base.clock import parse_iso
from tui.base.sanitize import clean, shorten
from tui.bus.intents import Intent
from tui.ops.budgets import BudgetReport
from tui.ops.happenings import (
    Announcement,
    DeliveryNotLive,
    Happening,
    StaleRaised,
    delivery_summary,
    stale_summary,
)

Piece = tuple[str, str]  # (text, tone)


@dataclass(frozen=True)
class HeaderView:
    root: str
    stale: int
    acked: int
    malformed: int
    read_only: str | None  # why, when read-only
    demo: bool
    freeze: bool = False  # the names are in the freeze banner
    incidents: int = 0
    problems: tuple[str, ...] = ()
    watched: tuple[str, str, str] | None = None  # (long, short, tone): the watcher it reads
    unwatched: bool = False  # the writer with no watcher: budgets count only while it is open
    channels_failing: int = 0  # notifications a channel gave up on
    not_live: int = 0  # tickets marked done whose verify URL does not answer as asked
    down: tuple[str, ...] = ()  # sites with a check failing in the last round
    hats: tuple[str, ...] = ()  # open hat switches, in words ("operator as pm-bakery since …")
    hats_overdue: int = 0  # of them, past their until or open longer than intent_after
    maintenance: tuple[str, ...] = ()  # active windows in words ("shop until 14:30Z (T-0150)")

    @property
    def alarm(self) -> bool:
        return bool(self.stale - self.acked) or bool(self.problems)


def open_hats(intents: Iterable[Intent]) -> tuple[str, ...]:
    """Open hat switches in words, newest first: `operator as pm-bakery since 12-03 14:00Z`."""
    return tuple(
        f"{i.role} acting as {i.acting_as} since {i.created:%m-%d %H:%M}Z"
        for i in intents
        if i.open
    )


def sites_down(results: Iterable[Any]) -> tuple[str, ...]:
    """The sites with a check failing in these results, in name order."""
    return tuple(sorted({r.site for r in results if not r.ok and r.site}))


def header_pieces(view: HeaderView, width: int | None = None) -> list[Piece]:
    """The header line: what needs a person first, in a fixed order of weight (freeze,
    incidents, sites down, stale, not live, malformed, folders not seen, read-only), then where
    the room looks.

    With `width`, the place goes first, then each signal takes its short form from the lightest
    up; a signal is never dropped. The freeze's detail is in its banner.
    """
    s = "s" if view.incidents != 1 else ""
    unacked = view.stale - view.acked
    signals: list[tuple[str, str, str]] = []  # (long, short, tone), heaviest first
    if view.freeze:
        signals.append((" DEPLOY FREEZE ", " FREEZE ", "alarm"))
    if view.incidents:
        signals.append((f" {view.incidents} open incident{s} ", f" {view.incidents} inc ", "alarm"))
    if view.down:  # from the first failing round, before any incident opens
        n, names = len(view.down), ", ".join(view.down[:3]) + (", …" if len(view.down) > 3 else "")
        signals.append(
            (f" ✖ {n} site{'s' if n != 1 else ''} down: {names} ", f" ✖{n} down ", "alarm")
        )
    if view.stale:
        acked = f" ({view.acked} acked)" if view.acked else ""
        tone = "alarm" if unacked else "warning"
        signals.append((f" ⚠ {view.stale} stale{acked} ", f" ⚠{view.stale} stale ", tone))
    if view.not_live:
        signals.append((f"{view.not_live} done, not live", f"{view.not_live} not live", "error"))
    if view.malformed:
        signals.append((f"{view.malformed} malformed", f"{view.malformed} malformed", "warning"))
    if view.hats:
        n, more = len(view.hats), " …" if len(view.hats) > 1 else ""
        tone = "error" if view.hats_overdue else "warning"
        plural = "es" if n != 1 else ""
        signals.append((f"{n} hat switch{plural}: {view.hats[0]}{more}", f"{n} hat", tone))
    for problem in view.problems:
        signals.append((problem, "cannot see", "error"))
    if view.channels_failing:
        n = view.channels_failing
        signals.append((f"{n} notification{'s' if n != 1 else ''} failed", f"{n} unsent", "error"))
    if view.maintenance:
        more = f" +{len(view.maintenance) - 1}" if len(view.maintenance) > 1 else ""
        signals.append((f"maintenance: {view.maintenance[0]}{more}", "maint", "accent"))
    if view.read_only:
        signals.append((f"read-only ({view.read_only})", "read-only", "warning"))
    if view.watched:
        signals.append(view.watched)
    if view.unwatched:
        signals.append(
            ("unwatched: budgets count only while this room is open", "unwatched", "muted")
        )
    if all(tone in ("muted", "accent") for _, _, tone in signals):  # nothing needs a person
        signals.insert(0, ("no stale clarifications", "ok", "success"))
    title = "Sisyphus room" + (" · demo" if view.demo else "")
    place = f" · {view.root}"
    forms = [long for long, _, _ in signals]

    def line() -> list[Piece]:
        pieces: list[Piece] = [(title, "bold")]
        for text, (_, _, tone) in zip(forms, signals, strict=True):
            pieces += [(" · ", "plain"), (text, tone)]
        return pieces + ([(place, "muted")] if place else [])

    def length() -> int:
        return sum(len(text) for text, _ in line())

    if width is not None:
        if length() > width:
            place = ""
        for index in range(len(signals) - 1, -1, -1):
            if length() <= width:
                break
            forms[index] = signals[index][1]
        if length() > width:
            title = "Sisyphus"
    return line()


def watcher_piece(watcher: Mapping[str, Any], now: datetime) -> tuple[str, str, str]:
    """ "watched by pid 4242 on web-1 since 18:02, last round 18:20:31Z" for a room that reads a
    watcher's records; an error once its last round is older than three probe intervals."""
    since = _clock_time(watcher.get("since"), "%m-%d %H:%M")
    last = watcher.get("last_round_at")
    who = f"watched by pid {watcher.get('pid')} on {clean(str(watcher.get('host')))}"
    interval = watcher.get("probe_interval_s")
    if watcher.get("ended"):
        return (
            f"nobody probing since {_clock_time(last or watcher.get('since'), '%H:%M:%S')}Z: "
            "the watcher stopped",
            "nobody probing",
            "error",
        )
    if watcher.get("unsaved_since"):
        return (
            f"records not saved since {_clock_time(watcher['unsaved_since'], '%H:%M')}Z "
            "(disk full?): probing from memory",
            "not saving",
            "error",
        )
    if not last:
        return (f"{who} since {since}, no round yet", "watched", "muted")
    try:
        age = (now - parse_iso(str(last))).total_seconds()
    except ValueError:
        age = 0.0
    if isinstance(interval, int | float) and age > 3 * interval:
        return (
            f"nobody probing since {_clock_time(last, '%H:%M:%S')}Z: watcher silent",
            "nobody probing",
            "error",
        )
    return (f"{who} since {since}, last round {_clock_time(last, '%H:%M:%S')}Z", "watched", "muted")


def _clock_time(value: Any, fmt: str) -> str:
    try:
        return parse_iso(str(value)).strftime(fmt)
    except ValueError:
        return "?"


def frozen_names(budget: BudgetReport) -> list[str]:
    return [f"{s.site or 'platform'}/{s.name}" for s in budget.frozen_by]


def freeze_banner(
    budget: BudgetReport, freeze_below: float, width: int | None = None
) -> list[Piece]:
    """The banner under the header while deploys are frozen; empty otherwise. When it lifts
    comes first, so it shows at any width; with `width`, the rest gives way from the end (the
    file's name, then the budgets' names become a count, then since when), with an ellipsis."""
    if not budget.freeze:
        return []
    lift = (
        f" · lifts ~{budget.lifts_at:%m-%d %H:%M}Z if probes pass"
        if budget.lifts_at
        else " · no lift in sight"
    )
    names = frozen_names(budget)
    shown = ", ".join(names[:2]) + (f" +{len(names) - 2} more" if len(names) > 2 else "")
    since = f" · since {budget.since:%m-%d %H:%M}Z" if budget.since else ""
    forms = [
        [(f" · {shown} under {freeze_below:.0%} of budget", "plain"), (since, "plain")],
        [
            (
                f" · {len(names)} budget{'s' if len(names) != 1 else ''} under {freeze_below:.0%}",
                "plain",
            ),
            (since, "plain"),
        ],
        [(f" · {len(names)} under {freeze_below:.0%}", "plain")],
    ]
    head: list[Piece] = [("DEPLOY FREEZE", "bold"), (lift, "plain")]
    tail: list[Piece] = [(" · .room/freeze.json", "muted")]
    for index, rest in enumerate(forms):
        pieces = head + rest + (tail if index == 0 else [])
        if width is None or sum(len(t) for t, _ in pieces) <= width:
            return pieces
        pieces = head + rest
        if sum(len(t) for t, _ in pieces) <= width:
            return pieces
    if sum(len(t) for t, _ in head) > (width or 0):
        return [("DEPLOY FREEZE", "bold"), (shorten(lift, max((width or 0) - 13, 1)), "plain")]
    return [*head, (" …", "plain")]


def announcements(happenings: Sequence[Happening], stale_after: timedelta) -> list[Announcement]:
    """What the room shows of the watchkeeper's events: each one's own words, except that more
    than three stale clarifications, or several deliveries not live, are one announcement naming
    them (their lists have the rest)."""
    stale = [e for e in happenings if isinstance(e, StaleRaised)]
    not_live = [e for e in happenings if isinstance(e, DeliveryNotLive)]
    grouped = {id(e) for e in stale} if len(stale) > 3 else set()
    grouped |= {id(e) for e in not_live} if len(not_live) > 1 else set()
    said: list[Announcement] = []
    for event in happenings:
        if id(event) in grouped:
            if stale and event is stale[0]:
                said.append(stale_summary(stale, stale_after))
            elif not_live and event is not_live[0]:
                said.append(delivery_summary(not_live))
        elif (toast := event.toast()) is not None:
            said.append(toast)
    return said


def merged(announcements: Sequence[Announcement], most: int = 2) -> list[Announcement]:
    """Announcements made together: more than `most` of a kind become one (toasts stay few)."""
    kinds: dict[str, list[Announcement]] = {}
    for item in announcements:
        kinds.setdefault(item.title.split(":")[0], []).append(item)
    result: list[Announcement] = []
    for kind, items in kinds.items():
        if len(items) <= most:
            result += items
            continue
        names = [item.title.split(":", 1)[1].strip() if ":" in item.title else "" for item in items]
        named = ", ".join(name for name in names[:6] if name) + (" …" if len(items) > 6 else "")
        result.append(
            Announcement(
                f"{kind} × {len(items)}",
                shorten(named or "; ".join(item.text for item in items), 300),
                max(
                    items, key=lambda i: ("information", "warning", "error").index(i.severity)
                ).severity,
                max(item.timeout for item in items),
                any(item.bell for item in items),
            )
        )
    return result


def probes_note(*, sites: int, results: int, probing: bool, writer: bool, why: str | None) -> str:
    """The line above the probes table: why it is empty, or whose results it shows."""
    if not sites:
        return "No sites configured: add [[sites]] to sisyphus.toml to probe them."
    if not results and probing:
        return (
            "First round of probes under way…"
            if writer
            else "Waiting for the room that probes to record a round."
        )
    if not writer:
        return f"read from .room/ ({why})"
    return ""


def startup_notes(
    unknown_theme: str | None, theme: str, themes: Iterable[str], read_only: str | None
) -> list[str]:
    """What the room says once it is painted: a theme it does not know, why it only reads."""
    notes = []
    if unknown_theme is not None:
        notes.append(
            f"No theme named {clean(unknown_theme)!r}; using {theme}. "
            f"Themes: {', '.join(sorted(themes))}"
        )
    if read_only:
        notes.append(f"Read-only: {read_only}. Acknowledgements are kept in memory only.")
    return notes
