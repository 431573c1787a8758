"""Demo mode: a live copy of the bundled sample state, with times made current."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tui.base.clock import iso, parse_iso
from tui.base.resources import data_path

# The moment the sample's times are written against (scripts/make_sample_state.py).
SAMPLE_NOW = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)

# `created`, an intent's `until` and `closed`, a maintenance window's `from` and `until` (nested).
_TIMES = re.compile(r"^(\s*(?:created|until|closed|from)): (\d{4}-\S+)$", re.MULTILINE)


@dataclass
class Demo:
    root: Path
    shift: timedelta
    cleanup: tempfile.TemporaryDirectory[str] | None = None
    fleet: Any = None


def shift_times(root: Path, shift: timedelta) -> None:
    """Move every ticket's and intent's times (`created`, `until`, `closed`) by `shift`."""
    for path in [*(root / "tickets").rglob("*.md"), *(root / "intents").rglob("*.md")]:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")

        def moved(match: re.Match[str]) -> str:
            try:
                return f"{match.group(1)}: {iso(parse_iso(match.group(2)) + shift)}"
            except ValueError:
                return match.group(0)

        path.write_text(_TIMES.sub(moved, text), encoding="utf-8", errors="surrogateescape")


def prepare_demo(
    now: datetime | None = None, target: Path | None = None, *, fleet: bool = False
) -> Demo:
    """Copy sample_state/ to a temp folder (or `target`) and bring its times to `now`.

    With `fleet`, start the demo's sites on 127.0.0.1 and point the copy's config at them.
    """
    now = now or datetime.now(UTC)
    cleanup = None
    if target is None:
        cleanup = tempfile.TemporaryDirectory(prefix="sisyphus-demo-")
        target = Path(cleanup.name) / "state"
    shift = now - SAMPLE_NOW
    if (target / "tickets").is_dir():  # a demo kept with --demo --state DIR: opened as it is
        demo = Demo(root=target, shift=shift, cleanup=None)
    else:
        if target.exists() and any(target.iterdir()):
            raise FileExistsError(
                f"{target} is not empty and holds no tickets/: give a new or empty folder"
            )
        target.mkdir(parents=True, exist_ok=True)
        shutil.copytree(data_path("sample_state"), target, dirs_exist_ok=True)
        shift_times(target, shift)
        for artifact in (target / "backups").rglob("*"):
            stamp = now.timestamp() - 5 * 3600  # last night's
            os.utime(artifact, (stamp, stamp))
        demo = Demo(root=target, shift=shift, cleanup=cleanup)
    if fleet:
        from tui.demo.fleet import Fleet, point_config_at, point_tickets_at

        demo.fleet = Fleet()
        urls = demo.fleet.start()
        point_config_at(target, urls)
        point_tickets_at(target, urls)
    return demo


SUBJECTS = [
    ("operator", "Renew the certificate for {site}", "certificate valid for 80+ days"),
    ("operator", "Restart {site} after the volume fix", "{site} answers 200 from the outside"),
    ("architect", "Review the cache policy of {site}", "a decision in the ticket"),
    ("operator", "Check backup of {site} restores", "restore drill log attached"),
    ("pm", "Deploy the footer fix to {site}", "curl shows the new footer"),
    ("architect", "Is {site} in scope for the latency SLO?", "yes or no with a reason"),
]
SITES = ["memorial-a", "memorial-b", "bakery", "library", "gallery"]
ANSWERS = ["done", "done", "done", "rejected", "blocked", "needs_clarification"]


class DemoAgent:
    """A small simulated crew: writes, answers and archives tickets through the same files."""

    def __init__(self, root: Path, seed: int = 11) -> None:
        import random

        self.root = root
        self.rng = random.Random(seed)
        self.count = 0

    def _inboxes(self) -> dict[str, list[Path]]:
        tickets = self.root / "tickets"
        result: dict[str, list[Path]] = {}
        for folder in sorted(tickets.glob("to_*")):
            result[folder.name[3:]] = sorted(
                p for p in folder.glob("*.md") if not p.name.startswith(".")
            )
        return result

    def step(self, now: datetime) -> str:
        """Do one thing a crew member would do; return what was done (for the log)."""
        from tui.bus.tickets import Ticket, read_ticket

        inboxes = self._inboxes()
        total = sum(len(files) for files in inboxes.values())
        choice = self.rng.random()
        if total < 25 or choice < 0.4:
            return self._write_new(inboxes, now)
        candidates = []
        for role, files in inboxes.items():
            for path in files:
                ticket = read_ticket(self.root, path, role)
                if not isinstance(ticket, Ticket):
                    continue  # malformed files stay for a person to see
                if ticket.status == "needs_clarification":
                    continue  # questions wait for a person: that is what the room raises
                candidates.append((role, path, ticket))
        if not candidates:
            return self._write_new(inboxes, now)
        role, path, ticket = self.rng.choice(candidates)
        if ticket.is_response:
            self._archive(path, now)
            return f"{role} read {ticket.id} and archived it"
        answer = self.rng.choice(ANSWERS)
        self.count += 1
        reply_id = f"D-R{self.count:04d}"
        self._write(
            ticket.sender,
            reply_id,
            {
                "id": reply_id,
                "from": role,
                "to": ticket.sender,
                "priority": ticket.priority,
                "subject": f"Re: {ticket.subject}"[:120],
                "deliverable": ticket.deliverable or "see the original",
                "created": iso(now),
                "status": answer,
                "in_reply_to": ticket.id,
            },
            "Answered by the demo crew.",
        )
        self._archive(path, now)
        return f"{role} answered {ticket.id} ({answer})"

    def _write_new(self, inboxes: dict[str, list[Path]], now: datetime) -> str:
        roles = sorted(inboxes) or ["operator"]
        kind, subject, deliverable = self.rng.choice(SUBJECTS)
        site = self.rng.choice(SITES)
        receiver = next((r for r in roles if r.startswith(kind)), self.rng.choice(roles))
        sender = self.rng.choice([r for r in roles if r != receiver] or roles)
        self.count += 1
        ticket_id = f"D-{self.count:04d}"
        self._write(
            receiver,
            ticket_id,
            {
                "id": ticket_id,
                "from": sender,
                "to": receiver,
                "priority": self.rng.choice(["P1", "P2", "P2", "P3"]),
                "subject": subject.format(site=site),
                "deliverable": deliverable.format(site=site),
                "created": iso(now),
                "status": "open",
                "project": site,
            },
            f"Written by the demo crew for {site}.",
        )
        return f"{sender} wrote {ticket_id} to {receiver}"

    def _write(self, role: str, name: str, header: dict[str, str | None], body: str) -> None:
        import json

        from tui.base.paths import write_atomic

        folder = self.root / "tickets" / f"to_{role}"
        folder.mkdir(parents=True, exist_ok=True)
        lines = [
            "---",
            *(f"{key}: {json.dumps(value)}" for key, value in header.items()),
            "---",
            body,
            "",
        ]
        write_atomic(folder / f"{name}.md", "\n".join(lines).encode("utf-8"), overwrite=False)

    def _archive(self, path: Path, now: datetime) -> None:
        target = self.root / "tickets" / "archive" / now.strftime("%Y-%m")
        target.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            path.rename(target / path.name)
