"""Pausing the garbage collector's passes around work that builds many objects that all live on."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No collection pass inside (a pass over everything the room holds costs tens of ms and frees
    nothing here); collection resumes as it was after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_libc: object | None = None


def release_memory() -> None:
    """Collect, then hand the C heap's free pages back to the system (glibc's malloc_trim).

    A closed view leaves its memory free but scattered in the heap, so the process's resident size
    grows by view opened until the allocator happens to reuse it; trimming once a view is closed
    keeps it flat. A no-op where there is no glibc.
    """
    global _libc
    gc.collect()
    if _libc is None:
        try:
            import ctypes
            import ctypes.util

            name = ctypes.util.find_library("c")
            _libc = ctypes.CDLL(name) if name else False
        except OSError:
            _libc = False
    trim = getattr(_libc, "malloc_trim", None)
    if trim is not None:
        trim(0)
