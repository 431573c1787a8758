"""One site's recent probe results (enter on a row of the probes pane), with the tickets about
it marked done among them: what changed, where it changed."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from widgets.parts.keyline import KeyLine
from widgets.parts.tables import Col, KeyedTable
from widgets.parts.tones import Tones


class HistoryTable(KeyedTable):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            [
                Col(" check", "check", 8),
                Col("at", "at", 22),
                Col("result", "ok", 8),
                Col("latency", "latency", None),
            ],
            **kwargs,
        )


class SiteScreen(ModalScreen[None]):
    HELP_TITLE = "A site's probes"
    BINDINGS = [
        Binding("escape,q", "close", "Back", id="site.back"),
        Binding("question_mark", "app.help", "Keys", show=False, id="site.help"),
    ]

    def __init__(
        self,
        name: str,
        latest: list[tuple[str, bool, str]],
        history: list[tuple[str, str, bool, float | None]],
        tones: Tones,
        marks: Sequence[tuple[str, str]] = (),
    ) -> None:
        """`marks`: (at, words) of tickets about the site marked done, drawn among its probes."""
        super().__init__()
        self.site_name = name
        self.latest = latest
        self.history = history
        self.tones = tones
        self.marks = list(marks)

    def compose(self) -> ComposeResult:
        text = Text()
        text.append(f"{self.site_name}\n", style="bold")
        for check, ok, detail in self.latest:
            text.append(
                f"  {'✓' if ok else '✗'} {check:<11}",
                style=self.tones.success if ok else self.tones.error,
            )
            text.append(detail + "\n")
        with Vertical(id="site-box") as box:
            box.border_title = "Site"
            yield Static(text, id="site-latest")
            yield HistoryTable(id="site-history")
        yield KeyLine()  # this view's keys, not the screen's below

    def on_mount(self) -> None:
        rows = []
        oldest = self.history[0][1] if self.history else ""
        marks = sorted((m for m in self.marks if m[0] >= oldest), reverse=True)
        for index, (check, at, ok, latency) in enumerate(reversed(self.history)):
            while marks and marks[0][0] >= at:  # a done ticket, where it fell among the probes
                when, words = marks.pop(0)
                rows.append(
                    (
                        f"m{len(marks)}",
                        (
                            Text(" done", style=self.tones.warning),
                            Text(when),
                            Text("◆", style=self.tones.warning),
                            Text(
                                words, style=self.tones.warning, no_wrap=True, overflow="ellipsis"
                            ),
                        ),
                    )
                )
            rows.append(
                (
                    str(index),
                    (
                        Text(" " + check),
                        Text(at),
                        Text(
                            "ok" if ok else "FAIL",
                            style=self.tones.success if ok else self.tones.error,
                        ),
                        Text("" if latency is None else f"{latency:.0f} ms"),
                    ),
                )
            )
        self.query_one(HistoryTable).show(rows)
        self.query_one(HistoryTable).focus()

    def action_close(self) -> None:
        self.dismiss(None)
