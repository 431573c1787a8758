"""`.room/requests/` filled with junk costs a bounded look, says each thing once, and still
carries out the real request that lands among it."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from tui.ops import requests


def test_junk_in_the_request_folder_is_looked_at_once_and_rejected_is_pruned(
    tmp_path: Path,
) -> None:
    room = tmp_path / ".room"
    folder = room / "requests"
    folder.mkdir(parents=True)
    for number in range(10_000):
        (folder / f"junk-{number}.txt").write_text("x")
    for number in range(300):
        (folder / f"{number:04d}.json").write_text("{not json")
    (folder / "a-folder.json").mkdir()
    (folder / "rejected").mkdir()
    (folder / "rejected" / "a-folder.json").mkdir()  # its name is taken there too

    found, problems = requests.pending(room)
    assert found == [] and len(problems) == 201  # 200 set aside, and the rest is said
    assert "301 requests waiting" in problems[-1]
    seen: list[str] = problems
    for _ in range(3):
        found, problems = requests.pending(room)
        seen += problems
    assert sum("a-folder.json" in p for p in seen) == 1  # said once, not four times a second
    kept = [p for p in (folder / "rejected").iterdir() if p.is_file()]
    assert len(kept) == requests.KEEP_REJECTED  # the newest; the older ones pruned
    assert requests.pending(room) == ([], [])  # unchanged: not read again
    path = requests.drop(room, "ack", "T-1", "owner", "", datetime.now(UTC))
    deadline = time.monotonic() + requests.RELIST + 1
    while True:
        found, _ = requests.pending(room)
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert [r.path for r in found] == [path]
