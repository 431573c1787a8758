"""Keyed, diffed DataTable updates: only changed cells are touched, rows added/removed by key."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets.data_table import RowDoesNotExist

from widgets.parts import compat

Cells = tuple[Text, ...]


@dataclass(frozen=True)
class Col:
    label: str
    key: str
    width: int | None  # None: takes the room the others leave
    hide_below: int = 0  # hidden when the table is narrower than this
    fit: bool = False  # as wide as its longest cell (a name never cut); a flexible one gives way


def _same(a: Text, b: Text) -> bool:
    """Whether two cells draw the same: rich's `Text.__eq__` compares the characters and spans
    only, so a cell that changed colour alone (a new theme, a state with the same words) would
    keep its old colour."""
    if a is b:  # a row that did not change keeps its cells (`show_made`)
        return True
    return (
        a.plain == b.plain
        and a.spans == b.spans
        and a.style == b.style
        and (a.justify, a.overflow, a.no_wrap) == (b.justify, b.overflow, b.no_wrap)
    )


class KeyedTable(compat.CompatTable):
    """A DataTable fed with (key, cells) rows; `show` makes it match them with the least work.

    Cells are always `rich.text.Text`, never strings: a string cell would be parsed as markup.
    Columns carry their own spacing (cell padding 0); narrow tables drop the columns that ask to.
    """

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("g", "scroll_top", "Top", show=False, id="table.top"),
        Binding("G", "scroll_bottom", "Bottom", show=False, id="table.bottom"),
    ]

    def __init__(self, columns: Sequence[Col], **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, cell_padding=0, **kwargs)  # type: ignore[arg-type]
        self._spec = list(columns)
        self._visible: list[int] = []
        self._shown: dict[str, Cells] = {}
        self._order: list[str] = []
        self._laid_out_for = -1  # the width the columns were laid out for
        self._fitted: dict[int, int] = {}  # the widths the `fit` columns were given for
        self._made: dict[str, tuple[Any, object, Cells]] = {}  # (row, tones, its cells) by key

    def on_mount(self) -> None:
        self._layout_columns()

    def on_resize(self) -> None:
        if self.size.width != self._laid_out_for:  # `_size_updated` saw it first, as a rule
            self._layout_columns()

    def size_known(self, width: int) -> None:
        """Lay the columns out as soon as the layout gives the table its width, so the frame that
        first shows the table already has its columns and rows (`on_resize` would come a frame
        later, and the first frame would be painted for nothing)."""
        if width != self._laid_out_for:
            self._layout_columns()

    def _layout_columns(self) -> None:
        self._laid_out_for = self.size.width
        width = self.size.width - 1  # leave the vertical scrollbar its column
        visible = [i for i, col in enumerate(self._spec) if width >= col.hide_below]
        if visible != self._visible:
            self._visible = visible
            keep = self.selected_key
            self.clear(columns=True)
            for index in visible:
                col = self._spec[index]
                self.add_column(col.label, key=col.key, width=col.width or 8)
            self._order = []
            rows = list(self._shown.items())
            self._shown = {}
            self.show(rows)
            if keep is not None:
                self.select_key(keep)
        self._size_columns()

    def _fit_widths(self) -> dict[int, int]:
        """The width each `fit` column needs: its label and its longest cell."""
        return {
            index: max(
                [Text(self._spec[index].label).cell_len + 1]
                + [cells[index].cell_len + 1 for cells in self._shown.values()]
            )
            for index in self._visible
            if self._spec[index].fit
        }

    def _size_columns(self) -> None:
        """Fixed columns keep their width; `fit` ones take what their cells need (as long as
        there is room); the flexible one takes the rest."""
        width = self.size.width - 1  # leave the vertical scrollbar its column
        fits = self._fit_widths()
        self._fitted = fits
        fixed = sum(self._spec[i].width or 0 for i in self._visible if i not in fits)
        flexible = [i for i in self._visible if self._spec[i].width is None and i not in fits]
        room = width - fixed - 8 * len(flexible)
        given: dict[int, int] = {}
        for index in self._visible:
            if index in fits:
                given[index] = max(min(fits[index], room), 8)
                room -= given[index]
        for index in flexible:  # one flexible column, as a rule: it takes the rest
            given[index] = max(width - fixed - sum(given.values()), 8)
        for index, wanted in given.items():
            col = self._spec[index]
            column = self.columns.get(col.key)  # type: ignore[call-overload]
            if column is not None and (column.width != wanted or column.auto_width):
                column.auto_width = False
                column.width = wanted
                self.columns_resized()

    @property
    def selected_key(self) -> str | None:
        if not self._order or self.cursor_row < 0 or self.cursor_row >= len(self._order):
            return None
        return self._order[self.cursor_row]

    def show_made(
        self,
        rows: Sequence[Any],
        key: Callable[[Any], str],
        make: Callable[[Any], Cells],
        tones: object,
    ) -> None:
        """`show` for view rows: a row equal to the one shown under its key (with the same tones)
        keeps its cells, so a round that changes ten of 500 sites makes ten rows of Text."""
        made: dict[str, tuple[Any, object, Cells]] = {}
        shown = []
        for row in rows:
            name = key(row)
            prior = self._made.get(name)
            same = prior is not None and prior[1] is tones and prior[0] == row
            cells = prior[2] if same and prior is not None else make(row)
            made[name] = (row, tones, cells)
            shown.append((name, cells))
        self._made = made
        self.show(shown)

    def show(self, rows: Sequence[tuple[str, Cells]]) -> None:
        if len({key for key, _ in rows}) != len(
            rows
        ):  # a repeated key would end the app: keep the first
            seen: set[str] = set()
            rows = [row for row in rows if not (row[0] in seen or seen.add(row[0]))]  # type: ignore[func-returns-value]
        order = [key for key, _ in rows]
        if not self._visible:
            self._shown, self._order = dict(rows), []
            return
        if order == self._order:
            changed = []
            for row, (key, cells) in enumerate(rows):
                old = self._shown[key]
                changed += [
                    (row, column, cells[index])
                    for column, index in enumerate(self._visible)
                    if not _same(old[index], cells[index])
                ]
                self._shown[key] = cells
            if changed:
                self._set_cells(changed)
            self._refit()
            return
        keep = self.selected_key
        self.clear()
        for key, cells in rows:
            self.add_row(*(cells[i] for i in self._visible), key=key)
        self._shown = dict(rows)
        self._order = order
        if keep in self._shown:
            self.move_cursor(row=order.index(keep), animate=False)
        self._refit()

    def _refit(self) -> None:
        if any(spec.fit for spec in self._spec) and self._fit_widths() != self._fitted:
            self._size_columns()

    def _set_cells(self, changed: list[tuple[int, int, Text]]) -> None:
        """`update_cell` without its whole-table refresh: only the changed cells are repainted, so
        a round that changes one trend sends that trend, not the table (it matters over SSH).

        `update_cell` also moves `_update_count`, the key of every render cache, so every visible
        cell is drawn again after any change. Here only the changed cells' entries, and their
        rows' and lines' entries, are dropped from those caches (`compat.set_cells`): a round
        draws the cells it changed, not the table.
        """
        if not compat.set_cells(self, changed):  # another Textual: its public way
            for row, column, value in changed:
                self.update_cell_at(Coordinate(row, column), value)

    def select_key(self, key: str) -> bool:
        try:
            index = self.get_row_index(key)
        except RowDoesNotExist:
            return False
        self.move_cursor(row=index, animate=False)
        return True
