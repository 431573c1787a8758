"""One site's budgets in full: target, SLI, budget left, burn rates, and the budget over the window."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.ops.slo import BURN_WINDOWS, MULTIWINDOW, SloStatus
from tui.view.probes import sparkline
from tui.view.snapshot import budget_words
from widgets.parts.styles import Palette


class BudgetScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "close", "Back", id="budget.back")]

    def __init__(
        self,
        site: str,
        statuses: list[SloStatus],
        trends: dict[str, list[float | None]],
        palette: Palette,
    ) -> None:
        super().__init__()
        self.site = site
        self.statuses = statuses
        self.trends = trends
        self.palette = palette

    def compose(self) -> ComposeResult:
        text = Text()
        text.append(f"{self.site}: error budgets over the window\n\n", style="bold")
        for status in self.statuses:
            style = self.palette.error if status.frozen else self.palette.plain
            text.append(f"{status.name}", style="bold")
            text.append(f"  target {status.target * 100:g}%  ")
            sli = "unknown" if status.sli is None else f"{status.sli * 100:.3f}%"
            text.append(f"SLI {sli} over {status.window.total} probes ({status.window.bad} bad)\n")
            text.append(f"  {budget_words(status.budget_remaining)}\n", style=style)
            burns = "  ".join(
                f"{label} {'?' if status.burn.get(label) is None else f'{status.burn[label]:.1f}×'}"
                for label in BURN_WINDOWS
            )
            text.append(f"  burn rates: {burns}\n", style=self.palette.muted)
            if status.alerts:
                text.append(
                    f"  multiwindow alert: {', '.join(status.alerts)}\n", style=self.palette.error
                )
            trend = self.trends.get(status.name) or []
            if trend:
                line = sparkline([None if v is None else max(v, 0.0) for v in trend], width=60)
                text.append(
                    f"  budget over the window (hourly): {line}\n", style=self.palette.accent
                )
            text.append("\n")
        text.append("Multiwindow alerting: ", style="bold")
        text.append(
            "; ".join(
                f"{row.factor:g}× over {row.long} and {row.short} → {row.severity}"
                for row in MULTIWINDOW
            )
        )
        with VerticalScroll(id="budget-box") as box:
            box.border_title = "Budgets"
            yield Static(text)

    def action_close(self) -> None:
        self.dismiss(None)
