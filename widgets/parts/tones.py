"""Cell tones taken from the running theme, so tables follow it (ANSI theme included)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.app import App
from textual.theme import Theme

from tui.base.resources import data_path


@dataclass(frozen=True)
class Tones:
    error: Style
    warning: Style
    success: Style
    muted: Style
    accent: Style
    plain: Style
    alarm: Style  # a badge: the error colour as background, readable in 16 colours too

    @classmethod
    def from_theme(cls, theme: Theme) -> Tones:
        def color(value: str | None, bold: bool = False) -> Style:
            if value and value.startswith("ansi_"):
                value = value[5:]  # Textual's "ansi_red" is Rich's "red"
            try:
                return Style(color=value, bold=bold) if value else Style(bold=bold)
            except Exception:  # an odd colour name in a user theme: fall back to no colour
                return Style(bold=bold)

        return cls(
            error=color(theme.error, bold=True),
            warning=color(theme.warning),
            success=color(theme.success),
            muted=Style(dim=True),
            accent=color(theme.accent),
            plain=Style(),
            alarm=color(theme.error, bold=True) + Style(reverse=True),
        )

    def tone(self, name: str) -> Style:
        """The style of a view-data tone: bold, accent, muted, error, warning, success, plain."""
        if name == "bold":
            return Style(bold=True)
        return getattr(self, name, self.plain)

    def text(self, pieces: Iterable[tuple[str, str]]) -> Text:
        """(text, tone) pieces as one Text: plain characters, never markup."""
        text = Text()
        for part, tone in pieces:
            text.append(part, style=self.tone(tone))
        return text


def load_themes() -> list[Theme]:
    """The room's themes from themes/themes.toml."""
    data = tomllib.loads((data_path("themes") / "themes.toml").read_text(encoding="utf-8"))
    return [Theme(name=name, **values) for name, values in data.items()]


def choose_theme(app: App[Any], asked: str | None) -> tuple[str, str | None]:
    """Register the room's themes; (the theme to use, the asked name when it is unknown).

    Without a choice, or with an unknown one: `room`, or `room-ansi` on a 16-colour terminal.
    """
    for theme in load_themes():
        app.register_theme(theme)
    unknown = asked if asked is not None and asked not in app.available_themes else None
    if asked is None or unknown:
        asked = "room-ansi" if app.console.color_system in ("standard", "windows") else "room"
    return asked, unknown
