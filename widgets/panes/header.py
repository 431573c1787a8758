"""The one-line header: where the room looks, and what needs a person right now."""

from __future__ import annotations

from tui.view.header import HeaderView, header_pieces
from widgets.parts.quiet import QuietText
from widgets.parts.tones import Tones


class StatusBar(QuietText):
    """One fixed line, updated without relayout: a change writes a few bytes over SSH."""

    def render_header(self, view: HeaderView, tones: Tones) -> None:
        self.set_class(view.alarm, "-alarm")
        self.show(tones.text(header_pieces(view)), layout=False)
