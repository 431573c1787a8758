"""Generate a large state: 10,000 inbox tickets over 20 roles, 100,000 archived."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

STATUSES = ["open", "open", "open", "done", "rejected", "needs_clarification", "blocked"]


def generate(root: Path, inbox: int = 10_000, roles: int = 20, archived: int = 100_000) -> Path:
    """Write the state under `root` once; a marker file makes later calls free."""
    marker = root / ".generated"
    wanted = f"{inbox} {roles} {archived}"
    if marker.exists() and marker.read_text() == wanted:
        return root
    rng = random.Random(42)
    now = datetime.now(UTC)
    names = [f"pm-project-{n:02d}" for n in range(roles - 2)] + ["architect", "operator"]
    for n in range(inbox):
        role = names[n % roles]
        folder = root / "tickets" / f"to_{role}"
        folder.mkdir(parents=True, exist_ok=True)
        created = now - timedelta(minutes=rng.uniform(1, 60 * 24 * 7))
        status = rng.choice(STATUSES)
        reply = f"in_reply_to: T-{n - 1:06d}\n" if status != "open" else ""
        (folder / f"T-{n:06d}.md").write_text(
            f"---\nid: T-{n:06d}\nfrom: {rng.choice(names)}\nto: {role}\npriority: P{rng.randint(0, 3)}\n"
            f"subject: Generated ticket number {n} about site {n % 50}\ndeliverable: site {n % 50} answers 200\n"
            f"created: {created.strftime('%Y-%m-%dT%H:%M:%SZ')}\nstatus: {status}\n{reply}---\n"
            + "Body text of a generated ticket.\n"
            * 20
        )
    for n in range(archived):
        folder = root / "tickets" / "archive" / f"2026-{n % 12 + 1:02d}"
        if n < 12:
            folder.mkdir(parents=True, exist_ok=True)
        (folder / f"A-{n:06d}.md").write_text(f"---\nid: A-{n:06d}\nfrom: operator\n---\n")
    marker.write_text(wanted)
    return root
