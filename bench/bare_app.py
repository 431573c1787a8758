"""A bare Textual app: the yardstick for the room's first paint."""

from textual.app import App, ComposeResult
from textual.widgets import Footer, Label


class Bare(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Label("bare app ready")
        yield Footer()


if __name__ == "__main__":
    Bare().run()
