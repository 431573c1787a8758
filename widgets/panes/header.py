"""The one-line header: where the room looks, and what needs a person right now."""

from __future__ import annotations

from tui.view.header import HeaderView, header_pieces
from widgets.parts.quiet import QuietText
from widgets.parts.tones import Tones


class StatusBar(QuietText):
    """One fixed line, updated without relayout: a change writes a few bytes over SSH."""

    _view: HeaderView | None = None
    _tones: Tones | None = None

    def render_header(self, view: HeaderView, tones: Tones) -> None:
        self._view, self._tones = view, tones
        width = (self.size.width or self.app.size.width) - 2  # the bar's padding
        self.set_class(view.alarm, "-alarm")
        self.show(tones.text(header_pieces(view, width)), layout=False)

    def on_resize(self) -> None:
        if self._view is not None and self._tones is not None:
            self.render_header(self._view, self._tones)
