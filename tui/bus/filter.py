"""The `/` filter: free text plus `role:`, `status:`, `priority:`, `from:`, `persona:` and `is:` terms,
and `sort:risk` or `sort:severity` to order a panel's findings by their grades
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
        elif sep and name == "sort":
            if value.lower() in SORTS:
                terms["sort"] = {value.lower()}
            else:
                problems.append(f"unknown sort {value!r} ({', '.join(SORTS)})")
        elif sep and name == "is":
            for item in value.lower().split(","):
                if item in ("response", "responses", "request", "requests"):
                    terms.setdefault("is", set()).add(item.rstrip("s"))
                else:
                    problems.append(f"unknown is {item!r} (response, request)")
        elif sep and name.isalpha() and not value.startswith("//"):  # not a URL's scheme
            problems.append(
                f"unknown field {name!r} (role, status, priority, from, persona, is, sort)"
            )
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


SORTS = ("risk", "severity")  # `sort:risk`: a panel's findings, highest risk first
GRADES = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def sort_order(spec: Filter) -> str | None:
    return next(iter(spec.terms.get("sort", ())), None)


def grade_key(ticket: Ticket, by: str) -> tuple[float, ...]:
    """Highest first: risk as a number, or severity then scope severity (unknown last)."""
    if by == "risk":
        try:
            return (-float(str(ticket.extra.get("risk", ""))),)
        except ValueError:
            return (float("inf"),)
    return tuple(
        float(GRADES.get(str(ticket.extra.get(key, "")).lower(), 9))
        for key in ("severity", "scope_severity")
    )


def matches(ticket: Ticket, spec: Filter, stale: bool = False) -> bool:
    if spec.problems:  # a filter that cannot be read matches nothing, and the line says why
        return False
    for name, allowed in spec.terms.items():
        if name == "sort":
            continue
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
