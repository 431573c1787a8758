"""The knowledge base: `kb/*.md` in the state root, pattern → cause → fix, with a confidence.

```markdown
---
id: KB-dns-registrar
check: dns                  # http, tls, dns, backup, containers
match: "NS {ns1.cloudflare.com}"   # words the probe detail contains (all of them)
site: memorial-b            # optional: only this site
cause: DNS points at the wrong registrar
fix: Re-point NS at Gandi; run dig NS before and after
confidence: 0.6
---
Free notes.
```
A broken entry is listed with its reason, as tickets are.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from tui.base.paths import read_file, write_atomic
from tui.base.sanitize import clean
from tui.bus.front_matter import HeaderError, load_header, split_front_matter
from tui.bus.tickets import Malformed
from tui.ops.checks import CHECKS

STEP = 0.1


@dataclass(frozen=True)
class Entry:
    id: str
    path: Path
    check: str
    match: str
    site: str | None
    cause: str
    fix: str
    confidence: float


def load_kb(root: Path) -> tuple[list[Entry], list[Malformed]]:
    entries: list[Entry] = []
    broken: list[Malformed] = []
    folder = root / "kb"
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        rel = clean(path.relative_to(root).as_posix())
        try:
            text = read_file(path, 256 * 1024).decode("utf-8")
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            broken.append(Malformed(rel, None, clean(f"cannot be read: {exc}")))
            continue
        parts = split_front_matter(text)
        if isinstance(parts, str):
            broken.append(Malformed(rel, None, parts))
            continue
        try:
            meta = load_header(parts[0])
        except HeaderError as exc:
            broken.append(Malformed(rel, None, clean(f"bad YAML in the front matter: {exc}")))
        except Exception as exc:  # nested too deep, or anything else: a reason, never a crash
            said = str(exc) or type(exc).__name__
            broken.append(Malformed(rel, None, clean(f"bad YAML in the front matter: {said}")))
            continue
        if not isinstance(meta, dict):
            broken.append(Malformed(rel, None, "front matter is not a mapping"))
            continue
        check = str(meta.get("check", "")).strip().lower()
        if check not in CHECKS:
            broken.append(Malformed(rel, None, f"'check' must be one of {', '.join(CHECKS)}"))
            continue
        if not meta.get("fix"):
            broken.append(Malformed(rel, None, "missing 'fix'"))
            continue
        try:
            confidence = min(max(float(meta.get("confidence", 0.5)), 0.0), 1.0)
        except (TypeError, ValueError):
            broken.append(Malformed(rel, None, "'confidence' must be a number between 0 and 1"))
            continue
        entries.append(
            Entry(
                id=clean(str(meta.get("id") or path.stem)),
                path=path,
                check=check,
                match=clean(str(meta.get("match", ""))),
                site=clean(str(meta["site"])) if meta.get("site") else None,
                cause=clean(str(meta.get("cause", "(cause not written down)"))),
                fix=clean(str(meta["fix"])),
                confidence=confidence,
            )
        )
    return entries, broken


def matches(
    entries: list[Entry], check: str, detail: str, site: str | None, limit: int = 3
) -> list[Entry]:
    """Entries for this signature, best first: same check, every match word in the detail."""
    found = []
    lowered = detail.lower()
    for entry in entries:
        if entry.check != check or (entry.site is not None and entry.site != site):
            continue
        words = entry.match.lower().split()
        if any(word not in lowered for word in words):
            continue
        score = entry.confidence + 0.2 * (entry.site == site) + 0.05 * len(words)
        found.append((score, entry))
    return [entry for _, entry in sorted(found, key=lambda item: -item[0])[:limit]]


def adjust_confidence(entry: Entry, helped: bool) -> float:
    """Rewrite the entry's `confidence:` line: up when its fix helped, down when it did not."""
    value = round(min(max(entry.confidence + (STEP if helped else -STEP), 0.0), 0.99), 2)
    text = entry.path.read_text(encoding="utf-8")
    if re.search(r"^confidence:.*$", text, flags=re.MULTILINE):
        text = re.sub(r"^confidence:.*$", f"confidence: {value}", text, count=1, flags=re.MULTILINE)
    else:
        text = text.replace("---\n", f"---\nconfidence: {value}\n", 1)
    write_atomic(entry.path, text.encode("utf-8"))
    return value


def save_entry(
    root: Path, entry_id: str, check: str, match: str, site: str | None, cause: str, fix: str
) -> Path:
    """A new KB entry from an incident (never overwrites an existing file)."""
    folder = root / "kb"
    folder.mkdir(exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", entry_id).strip("-") or "entry"
    lines = [
        "---",
        f"id: {json.dumps(safe)}",
        f"check: {check}",
        f"match: {json.dumps(match)}",
        *([f"site: {json.dumps(site)}"] if site else []),
        f"cause: {json.dumps(cause)}",
        f"fix: {json.dumps(fix)}",
        "confidence: 0.5",
        "---",
        "Saved from an incident in the Sisyphus control room. Edit the cause and the fix.",
        "",
    ]
    path = folder / f"{safe}.md"
    write_atomic(path, "\n".join(lines).encode("utf-8"), overwrite=False)
    return path
