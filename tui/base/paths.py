"""Where the state root is, and whether the room may write under it (SPEC section 1)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

ENV_VAR = "SISYPHUS_STATE"
ROOM_DIR = ".room"


class StateError(Exception):
    """The state root cannot be found or used; worded for a person."""


def resolve_state_root(option: str | None, cwd: Path | None = None) -> Path:
    """`--state DIR`, else `$SISYPHUS_STATE`, else the current folder when it holds tickets/."""
    if option:
        return _check(Path(option).expanduser(), "--state")
    env = os.environ.get(ENV_VAR)
    if env:
        return _check(Path(env).expanduser(), f"${ENV_VAR}")
    here = cwd or Path.cwd()
    if (here / "tickets").is_dir():
        return here.absolute()
    raise StateError(
        f"no state folder: {here} has no tickets/ folder. "
        "Name one with --state DIR (or $SISYPHUS_STATE), or try the bundled sample with --demo."
    )


def _check(path: Path, source: str) -> Path:
    if not path.exists():
        raise StateError(f"{source} {path}: no such folder (try --demo for the bundled sample)")
    if not path.is_dir():
        raise StateError(f"{source} {path}: not a folder")
    if not (path / "tickets").is_dir():
        raise StateError(
            f"{source} {path}: has no tickets/ folder, so it is not a state root "
            "(expected tickets/to_<role>/*.md; try --demo for the bundled sample)"
        )
    return path.absolute()


def room_dir(root: Path) -> Path:
    return root / ROOM_DIR


def can_write(root: Path) -> bool:
    """True when `.room/` exists or can be made and a file can be written in it."""
    folder = room_dir(root)
    try:
        folder.mkdir(exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".probe-", dir=folder)
        os.close(fd)
        os.unlink(name)
        return True
    except OSError:
        return False


def write_atomic(path: Path, data: bytes, *, overwrite: bool = True) -> None:
    """Write a temp name beside `path` and rename it into place, so no reader sees half a file.

    With ``overwrite=False`` an existing file is never replaced (FileExistsError).
    """
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temp, path)
        else:
            os.link(temp, path)  # fails if the name exists
            os.unlink(temp)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
