"""The one-line header: where the room looks, and what needs a person right now."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from widgets.parts.quiet import QuietText
from widgets.parts.styles import Palette


@dataclass(frozen=True)
class HeaderView:
    root: str
    stale: int
    acked: int
    malformed: int
    read_only: str | None  # why, when read-only
    demo: bool
    freeze: str | None = None
    incidents: int = 0
    problems: tuple[str, ...] = ()


class StatusBar(QuietText):
    """One fixed line, updated without relayout: a change writes a few bytes over SSH."""

    def render_header(self, view: HeaderView, palette: Palette) -> None:
        text = Text()
        text.append("Sisyphus room", style="bold")
        text.append(" · demo" if view.demo else "", style=palette.accent)
        text.append(f" · {view.root}", style=palette.muted)
        if view.stale:
            unacked = view.stale - view.acked
            label = f" ⚠ {view.stale} stale" + (f" ({view.acked} acked)" if view.acked else "")
            text.append(" ·")
            text.append(label, style=palette.error if unacked else palette.warning)
        else:
            text.append(" · no stale clarifications", style=palette.success)
        if view.malformed:
            text.append(" · ")
            text.append(f"{view.malformed} malformed", style=palette.warning)
        if view.incidents:
            text.append(" · ")
            text.append(f"{view.incidents} open incidents", style=palette.error)
        if view.freeze:
            text.append(" · ")
            text.append(f"DEPLOY FREEZE: {view.freeze}", style=palette.error)
        for problem in view.problems:
            text.append(" · ")
            text.append(problem, style=palette.error)
        if view.read_only:
            text.append(" · ")
            text.append(f"read-only ({view.read_only})", style=palette.warning)
        self.set_class(bool(view.stale - view.acked) or bool(view.problems), "-alarm")
        self.show(text, layout=False)
