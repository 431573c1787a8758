"""A fix to Textual 8.2 the room carries until Textual has it.

`StylesCache.get_inner_outer` is an `lru_cache` on an instance method, so every widget's styles
cache (with the lines it rendered) is kept by the cache's keys long after the widget is gone: 1,024
of them, about 17 MB in the room after some fifty ticket views opened and closed (Textualize/textual
issue 6665). The colours it caches depend only on the two backgrounds, so they are cached here by
those alone.
"""

from __future__ import annotations

from functools import lru_cache

from textual._styles_cache import StylesCache
from textual.color import Color
from textual.style import Style


@lru_cache(1024)
def _inner_outer(base_background: Color, background: Color) -> tuple[Style, Style]:
    return Style(background=base_background + background), Style(background=base_background)


def _get_inner_outer(
    _cache: StylesCache, base_background: Color, background: Color
) -> tuple[Style, Style]:
    return _inner_outer(base_background, background)


def apply() -> None:
    """Idempotent; the room applies it when its app module is imported."""
    StylesCache.get_inner_outer = _get_inner_outer  # type: ignore[method-assign,assignment]
