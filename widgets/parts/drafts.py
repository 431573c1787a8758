"""A reply or a new ticket as the person typed it: kept as a draft when they cancel, so nothing
typed is lost. Light to import: the forms (and Textual's text area) load when one opens."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Form:
    """What the person typed. `sent` is False when they cancelled (the text is kept as a draft)."""

    sent: bool = False
    status: str = "done"
    keep: bool = False
    body: str = ""
    role: str = ""
    priority: str = "P2"
    subject: str = ""
    deliverable: str = ""
    verify: str = ""
    extra: dict[str, str] = field(default_factory=dict)
