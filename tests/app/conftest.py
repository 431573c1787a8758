"""The hand-made state most of the room's tests open."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import stamp, write_open_and_stale, write_raw, write_ticket


@pytest.fixture
def state(root: Path) -> Path:
    write_open_and_stale(
        root, priority="P0", subject="Which registrar?", body="# Question\n\nGandi or not?\n"
    )
    write_ticket(
        root,
        "architect",
        "R-2",
        id="R-2",
        sender="operator",
        subject="Answer to T-2",
        deliverable="d",
        created=stamp(10),
        status="done",
        in_reply_to="T-2",
    )
    write_raw(root, "architect", "broken.md", "no header\n")
    (root / "sisyphus.toml").write_text('[room]\nroles = ["architect", "operator", "pm-empty"]\n')
    return root
