"""Keys, help, the palette, the : line, small screens and colours."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.support import room, settle
from tests.helpers import NOW, stamp, write_raw, write_ticket
from tui.app import RoomApp
from tui.base.clock import ManualClock
from widgets.panes.header import StatusBar


async def test_palette_offers_roles_and_runs_them(state: Path) -> None:
    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"inbox: operator")
        from textual.command import CommandList

        await settle(pilot, app, lambda: app.screen.query_one(CommandList).option_count > 0)
        await pilot.press("enter")
        await pilot.pause()
        assert app.main.selected_role == "operator"
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await settle(pilot, app, lambda: app.screen is app.main)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"show incidents")
        await settle(pilot, app, lambda: app.screen.query_one(CommandList).option_count > 0)
        await pilot.press("enter")
        await settle(pilot, app, lambda: app.main.current == "incidents")


def test_every_binding_of_every_screen_has_its_line_in_help() -> None:
    from textual.binding import Binding

    from widgets.parts.tables import KeyedTable
    from widgets.screens.catalog import SCREENS, keys_markdown
    from widgets.screens.help import HELP, binding_rows, key_label

    for owner in [RoomApp, *SCREENS, KeyedTable]:
        bindings = [b for b in owner.BINDINGS if isinstance(b, Binding)]
        assert bindings, owner
        rows = dict(binding_rows(bindings))
        for binding in bindings:
            assert binding.id in HELP, f"{owner.__name__}: {binding.key} has no line in HELP"
            label = key_label(binding)
            assert rows[label] == HELP[binding.id]
            assert set(label.split(" / ")) == {
                {"question_mark": "?", "slash": "/", "colon": ":"}.get(k, k)
                for k in binding.key.split(",")
            }
    # The docs' keys reference is built from the same bindings, and refuses a key with no line.
    page = keys_markdown(RoomApp.BINDINGS)
    for screen in SCREENS:
        assert f"## {screen.HELP_TITLE}" in page
    assert "| `:` | a command, typed" in page
    unexplained = Binding("z", "nothing", "Nothing", id="nowhere.z")
    with pytest.raises(KeyError, match="has no line in HELP"):
        keys_markdown([*RoomApp.BINDINGS, unexplained])


async def test_help_is_the_keys_of_the_screen_it_is_pressed_in(state: Path) -> None:
    from widgets.screens.help import HelpScreen
    from widgets.screens.incident import IncidentScreen

    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        await pilot.press("question_mark")
        await settle(pilot, app, lambda: isinstance(app.screen, HelpScreen))
        shown = "\n".join(title for title, _ in app.screen.sections)  # type: ignore[attr-defined]
        assert shown == "The room\nIn a table\nEverywhere\nMarks in the tickets"
        assert "enter" in dict(dict(app.screen.sections)["In a table"])  # type: ignore[attr-defined]
        await pilot.press("escape")
        screen = IncidentScreen("INC-1", "triggered", [("INC-1", "bold")], app.tones)
        app.push_screen(screen)
        await pilot.press("question_mark")
        await settle(pilot, app, lambda: isinstance(app.screen, HelpScreen))
        sections = dict(app.screen.sections)  # type: ignore[attr-defined]
        assert [keys for keys, _ in sections["An incident"]] == [
            "escape / q",
            "a",
            "r",
            "K",
            "S",
            "?",
        ]
        await pilot.press("escape", "escape")
        await settle(pilot, app, lambda: app.screen is app.main)
        app.main.action_actions()  # a table where enter opens nothing: no enter line
        await settle(pilot, app, lambda: type(app.screen).__name__ == "ActionsScreen")
        await pilot.press("question_mark")
        await settle(pilot, app, lambda: isinstance(app.screen, HelpScreen))
        sections = dict(app.screen.sections)  # type: ignore[attr-defined]
        assert "enter" not in dict(sections["In a table"])


async def test_colon_commands_go_where_they_say(state: Path) -> None:
    from widgets.screens.note import NoteScreen

    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        await pilot.press("colon")
        await settle(pilot, app, lambda: isinstance(app.screen, NoteScreen))
        await pilot.press(*"inbox operator", "enter")
        await settle(pilot, app, lambda: app.main.selected_role == "operator")
        await pilot.press("colon")
        await settle(pilot, app, lambda: isinstance(app.screen, NoteScreen))
        await pilot.press(*"incidents", "enter")
        await settle(pilot, app, lambda: app.main.current == "incidents")
        said = app.main.run_command("inbox nobody") or ""
        assert said.startswith("No inbox 'nobody': one of architect, operator")
        assert (app.main.run_command("bogus") or "").startswith("Unknown command 'bogus'")


async def test_at_80x24_one_pane_at_a_time_each_with_room_to_read(state: Path) -> None:
    from widgets.screens.layout import PANES

    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app, lambda: app.ready)
        for key, name in zip(
            "12345", ("roles", "tickets", "probes", "budgets", "incidents"), strict=True
        ):
            await pilot.press(key)
            await pilot.pause()
            table_type = PANES[name][1]
            shown = [n for n, (box, _) in PANES.items() if app.main.query_one(f"#{box}").display]
            assert shown == [name]
            table = app.main.query_one(table_type)
            assert app.focused is table
            assert table.size.height >= 9  # a header and at least 8 rows
            assert not table.show_horizontal_scrollbar
            summary = str(app.main.query_one("#pane-summary").visual)
            assert f" {key} " in summary
        await pilot.press("tab")
        await pilot.pause()
        assert app.main.current == "roles"  # tab goes round


async def test_toasts_never_cover_the_header_on_a_big_screen(state: Path) -> None:
    """However many toasts are up, the top two lines stay the room's own."""
    from textual.widgets._toast import Toast

    from tui.ops.happenings import Announcement

    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        for n in range(6):  # six kinds, none merged into another, up for a minute
            text = "a sentence of some length " * 4
            app.announce([Announcement(f"Kind{n}", text, "error", timeout=60)])
        await settle(pilot, app, lambda: len(app.screen.query(Toast)) >= 6)

        def top_lines_clear() -> bool:
            return not any(
                isinstance(app.screen.get_widget_at(x, y)[0], Toast)
                for y in (0, 1)
                for x in range(100)
            )

        def toasts_shown() -> bool:
            return any(isinstance(app.screen.get_widget_at(60, y)[0], Toast) for y in range(30))

        await settle(pilot, app, lambda: toasts_shown() and top_lines_clear())


async def test_on_a_small_screen_a_message_is_one_line_and_m_lists_them(state: Path) -> None:
    from textual.widgets._toast import Toast

    from tui.ops.happenings import Announcement
    from widgets.screens.notices import NoticesScreen

    app = room(state, ManualClock(NOW))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot, app, lambda: app.ready)
        for n in range(6):
            app.announce([Announcement(f"Kind{n}", f"sentence {n} " * 12, "error", timeout=60)])
        await pilot.pause()
        assert not app.screen.query(Toast)  # nothing over the pane being read
        line = app.main.query_one("#notice")
        assert line.display and line.region.height == 1
        said = str(line.visual)
        assert said.startswith(" ✖ Kind5: sentence 5") and said.endswith("…")
        assert len(said) <= 79
        await pilot.press("M")
        await settle(pilot, app, lambda: isinstance(app.screen, NoticesScreen))
        listed = [title for _, _, title, _ in app.screen.notices]  # type: ignore[attr-defined]
        assert [f"Kind{n}" for n in range(6)] == [t for t in listed if t.startswith("Kind")]


@pytest.mark.parametrize("theme", ["room", "room-light", "room-ansi"])
async def test_every_header_signal_is_readable_in_every_theme(root: Path, theme: str) -> None:
    """No signal's colour may equal its background, nor be too close to it (WCAG 3:1)."""
    write_ticket(
        root,
        "operator",
        "Q-1",
        id="Q-1",
        sender="architect",
        deliverable="d",
        created=stamp(90),
        status="needs_clarification",
    )
    write_raw(root, "operator", "broken.md", "no header\n")
    app = room(root, ManualClock(NOW), read_only=True, theme=theme)
    async with app.run_test(size=(160, 10)) as pilot:
        await settle(pilot, app, lambda: app.ready)
        bar = app.query_one(StatusBar)
        assert bar.has_class("-alarm")
        checked = 0
        for segment in bar.render_line(0):
            style = segment.style
            if not segment.text.strip() or style is None or style.color is None:
                continue
            fg, bg = style.color, style.bgcolor
            assert bg is not None, segment
            if style.reverse:
                fg, bg = bg, fg
            if fg.is_default and bg.is_default:
                continue  # the terminal's own pair of colours
            assert fg != bg, f"{theme}: {segment.text!r} is {fg.name} on {bg.name}"
            if fg.triplet is not None and bg.triplet is not None:
                assert contrast(fg.triplet, bg.triplet) >= 3, f"{theme}: {segment.text!r}"
            checked += 1
        assert checked >= 3  # stale, malformed, read-only at least


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    def luminance(rgb: tuple[int, int, int]) -> float:
        def channel(c: int) -> float:
            c_ = c / 255
            return c_ / 12.92 if c_ <= 0.03928 else ((c_ + 0.055) / 1.055) ** 2.4

        r, g, b_ = (channel(c) for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_room_runs_on_the_quiet_input_driver(state: Path) -> None:
    """The driver whose input thread sleeps until a key (driven through a real pseudo-terminal by
    tests/e2e: typing, a lone escape closing help, `q` ending the room)."""
    from textual.drivers.linux_driver import LinuxDriver

    from widgets.parts.compat import QuietLinuxDriver

    app = room(state, ManualClock(NOW))
    assert app.get_driver_class() is QuietLinuxDriver
    assert issubclass(QuietLinuxDriver, LinuxDriver)
