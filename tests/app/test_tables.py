"""KeyedTable changes cells in place: what it draws must be what a fresh table of the rows draws."""

from __future__ import annotations

import random

import pytest
from rich.text import Text
from textual.app import App, ComposeResult

from widgets.parts import compat
from widgets.parts.tables import Cells, Col, KeyedTable

COLUMNS = [Col(" site", "site", None), Col("http", "http", 8), Col("latency", "lat", 9)]
STYLES = ["green", "red", "dim", ""]


def rows(seed: int) -> list[tuple[str, Cells]]:
    pick = random.Random(seed)
    return [
        (
            f"s{n}",
            (
                Text(f" site-{n:02d}"),
                Text(pick.choice(["✓ 200", "✗ 503"]), style=pick.choice(STYLES)),
                Text(f"{pick.randrange(5, 900)} ms", justify="right", style=pick.choice(STYLES)),
            ),
        )
        for n in range(30)
    ]


class Tables(App[None]):
    AUTO_FOCUS = None
    CSS = "KeyedTable { height: 12; }"

    def compose(self) -> ComposeResult:
        yield KeyedTable(COLUMNS, id="changed")
        yield KeyedTable(COLUMNS, id="fresh")


def drawn(table: KeyedTable) -> list[list[tuple[str, object]]]:
    return [[(s.text, s.style) for s in table.render_line(y)] for y in range(table.size.height)]


@pytest.mark.parametrize(
    ("patched", "many"), [(True, 1000), (True, 0), (False, 16)], ids=["cells", "whole", "stock"]
)
async def test_cells_changed_in_place_draw_what_a_fresh_table_draws(
    patched: bool, many: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the Textual compat was checked against (repainting cell by cell, or the whole table
    when many rows changed), and as it runs on any other (stock)."""
    monkeypatch.setattr(compat, "PATCHED", patched and compat.PATCHED)
    monkeypatch.setattr(compat, "MANY_ROWS", many)
    app = Tables()
    async with app.run_test(size=(60, 30)) as pilot:
        changed = app.query_one("#changed", KeyedTable)
        changed.show(rows(0))
        await pilot.pause()
        for seed in range(1, 8):
            changed.show(rows(seed))  # same keys, same order: cells change in place
            await pilot.pause()
            if seed == 4:  # the cursor's row is drawn from the caches too; lines scrolled
                changed.move_cursor(row=20, animate=False)
                await pilot.pause()
            fresh = app.query_one("#fresh", KeyedTable)
            fresh.clear()
            fresh._shown, fresh._order = {}, []
            fresh.show(rows(seed))
            fresh.move_cursor(row=changed.cursor_row, animate=False)
            await pilot.pause()
            assert fresh.scroll_offset == changed.scroll_offset
            assert drawn(changed) == drawn(fresh), f"round {seed}"


async def test_a_fit_column_is_never_cut_and_the_flexible_one_gives_way() -> None:
    from rich.text import Text
    from textual.app import App

    from widgets.parts.tables import Col, KeyedTable

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield KeyedTable(
                [Col("site", "site", None, fit=True), Col("cause", "cause", None), Col("t", "t", 4)]
            )

    names = ["memorial-b-with-a-long-name", "a"]
    app = One()
    for width in (60, 80, 160):
        async with app.run_test(size=(width, 10)) as pilot:
            table = app.query_one(KeyedTable)
            table.show(
                [(n, (Text(n), Text("burn:latency over 1 h at 14.4×"), Text("1"))) for n in names]
            )
            await pilot.pause()
            widths = {str(key.value): column.width for key, column in table.columns.items()}
            assert widths["site"] == len(names[0]) + 1  # the whole name and a space
            assert (
                widths["site"] + widths["cause"] + widths["t"] == width - 1
            )  # no gap, no overflow
            assert not table.show_horizontal_scrollbar
        app = One()


async def test_a_fit_column_that_grows_redraws_every_row_at_its_new_width() -> None:
    """A site in maintenance is named `library maint`: its fit column grows, and every row must
    move with it (the rows drawn at the old width once kept it: the columns stood askew)."""
    columns = [
        Col(" site", "site", None, fit=True),
        Col("http", "http", 10),
        Col(" latency", "latency", 9),
        Col(" trend", "trend", 8),
    ]

    class Fit(App[None]):
        CSS = "KeyedTable { height: 10; width: 50; }"

        def compose(self) -> ComposeResult:
            yield KeyedTable(columns)

    def rows(library: str, ms: int) -> list[tuple[str, Cells]]:
        names = ["memorial-b", "bakery", "gallery", library, "memorial-a"]
        return [
            (str(n), (Text(f" {name}"), Text("✓ 200"), Text(f"{ms + n} ms"), Text("▁▂")))
            for n, name in enumerate(names)
        ]

    app = Fit()
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(KeyedTable)
        table.show(rows("library", 1))
        await pilot.pause()
        table.show(rows("library maint", 2))  # the same keys: changed in place
        await pilot.pause()
        lines = ["".join(s.text for s in table.render_line(y)) for y in range(6)]
        width = len(" library maint") + 1
        assert {line.index("✓") for line in lines[1:]} == {width}, lines
        assert lines[0].index("http") == width, lines


async def test_rows_that_did_not_change_keep_their_cells() -> None:
    """A round that changes one site of many makes that site's cells only (each row of Text
    costs the main thread; 500 of them every round stalled the keys)."""
    made: list[str] = []

    def cells(row: tuple[str, str]) -> Cells:
        made.append(row[0])
        return (Text(row[0]), Text(row[1]), Text("1 ms"))

    app = Tables()
    async with app.run_test(size=(60, 30)) as pilot:
        table = app.query_one("#changed", KeyedTable)
        rows = [(f"s{n}", "✓ 200") for n in range(20)]
        table.show_made(rows, lambda row: row[0], cells, "tones")
        await pilot.pause()
        made.clear()
        rows[7] = ("s7", "✗ 503")
        table.show_made(rows, lambda row: row[0], cells, "tones")
        await pilot.pause()
        assert made == ["s7"]
        assert "✗ 503" in "".join(s.text for s in table.render_line(8))  # below the header
        made.clear()
        table.show_made(rows, lambda row: row[0], cells, "other tones")  # a new theme
        assert len(made) == 20


def test_the_pinned_textual_is_the_one_compat_was_checked_against() -> None:
    """constraints.txt pins Textual: an upgrade turns the compat parts off until checked again."""
    import textual

    assert compat.PATCHED, f"Textual {textual.__version__}, compat checked {compat.CHECKED}"
