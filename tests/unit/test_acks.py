"""Acknowledgements kept in .room/acks.json."""

from __future__ import annotations

from pathlib import Path


def test_acks_from_many_threads_at_once_lose_nothing(tmp_path: Path) -> None:
    """The room writes acks from its screen and from workers: one lock keeps TinyDB whole."""
    import threading
    from datetime import UTC, datetime

    from tui.bus.acks import Acks

    acks = Acks(tmp_path, read_only=False)
    now = datetime(2026, 12, 3, tzinfo=UTC)

    def ack_many(start: int) -> None:
        for n in range(start, start + 50):
            acks.acknowledge(f"T-{n}", "owner", now)
            acks.forget_missing({f"T-{m}" for m in range(400)})

    threads = [threading.Thread(target=ack_many, args=(k * 50,)) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert acks.ids() == {f"T-{n}" for n in range(300)}
    assert Acks(tmp_path, read_only=True).ids() == {f"T-{n}" for n in range(300)}
