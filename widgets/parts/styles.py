"""Cell styles taken from the running theme, so tables follow it (ANSI theme included)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from textual.theme import Theme


@dataclass(frozen=True)
class Palette:
    error: Style
    warning: Style
    success: Style
    muted: Style
    accent: Style
    plain: Style

    @classmethod
    def from_theme(cls, theme: Theme) -> Palette:
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
        )
