"""The `/` filter: free text plus `role:`, `status:`, `priority:`, `from:`, `persona:` and `is:` terms
(`is:response` the answers waiting to be read, `is:request` the rest)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.bus.tickets import Ticket, normalize_priority, normalize_status


@dataclass(frozen=True)
class Filter:
    words: tuple[str, ...] = ()
    terms: dict[str, frozenset[str]] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.words and not self.terms and not self.problems


def parse_filter(text: str) -> Filter:
    """`role:operator status:clarify p1 disk` → terms and words. Commas give alternatives."""
    words: list[str] = []
    terms: dict[str, set[str]] = {}
    problems: list[str] = []
    for token in text.split():
        name, sep, value = token.partition(":")
        name = name.lower()
        if sep and name in ("role", "status", "priority", "from", "persona", "p", "s", "r"):
            name = {"p": "priority", "s": "status", "r": "role"}.get(name, name)
            for item in value.split(","):
                normal = _normalize(name, item)
                if normal is None:
                    problems.append(f"unknown {name} {item!r}")
                else:
                    terms.setdefault(name, set()).add(normal)
        elif sep and name == "stale":
            terms.setdefault("status", set()).add("stale")
        elif sep and name == "is":
            for item in value.lower().split(","):
                if item in ("response", "responses", "request", "requests"):
                    terms.setdefault("is", set()).add(item.rstrip("s"))
                else:
                    problems.append(f"unknown is {item!r} (response, request)")
        elif sep and name.isalpha() and not value.startswith("//"):  # not a URL's scheme
            problems.append(f"unknown field {name!r} (role, status, priority, from, persona, is)")
        else:
            words.append(token.lower())
    return Filter(tuple(words), {k: frozenset(v) for k, v in terms.items()}, tuple(problems))


def _normalize(name: str, value: str) -> str | None:
    if name == "status":
        if value.lower() in ("stale", "clarify", "clarification"):
            return "stale" if value.lower() == "stale" else "needs_clarification"
        return normalize_status(value)
    if name == "priority":
        return normalize_priority(value)
    return value.lower() or None


def matches(ticket: Ticket, spec: Filter, stale: bool = False) -> bool:
    if spec.problems:  # a filter that cannot be read matches nothing, and the line says why
        return False
    for name, allowed in spec.terms.items():
        if name == "role" and ticket.role.lower() not in allowed:
            return False
        if name == "from" and ticket.sender.lower() not in allowed:
            return False
        if name == "persona" and (ticket.persona or "").lower() not in allowed:
            return False
        if name == "priority" and ticket.priority not in allowed:
            return False
        if name == "status" and not (ticket.status in allowed or (stale and "stale" in allowed)):
            return False
        if name == "is" and ("response" if ticket.is_response else "request") not in allowed:
            return False
    if spec.words:
        haystack = " ".join(
            (
                ticket.id,
                ticket.subject,
                ticket.sender,
                ticket.persona or "",
                ticket.role,
                ticket.status,
                ticket.priority,
                ticket.project or "",
                ticket.deliverable or "",
            )
        ).lower()
        return all(word in haystack for word in spec.words)
    return True
