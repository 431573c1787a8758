"""The line of keys at the bottom of a screen: its shown bindings, then the app's.

Textual's Footer recomposes its keys each time a screen comes back, and the keys it drops stay in
memory (about 200 KB per view opened and closed); this line is written once per screen and
repaints nothing while the room is idle.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from widgets.parts.quiet import QuietText

KEY_NAMES = {"question_mark": "?", "slash": "/", "escape": "esc", "ctrl+p": "^p"}


class KeyLine(QuietText):
    DEFAULT_CSS = """
    KeyLine {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    """

    def on_mount(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        taken: set[str] = set()  # a key the screen binds shadows the app's binding of it
        for binding in [*type(self.screen).BINDINGS, *type(self.app).BINDINGS]:
            if not isinstance(binding, Binding):
                continue
            keys = set(binding.key.split(","))
            if binding.show and not keys & taken:
                key = KEY_NAMES.get(binding.key.split(",")[0], binding.key.split(",")[0])
                text.append(f" {key} ", style="bold")
                text.append(f"{binding.description} ")
            taken |= keys
        text.append(" ^p ", style="bold")
        text.append("palette")
        self.show(text, layout=False)
