"""Writes sample_state/: a small, believable platform for the demo and the tests.

Run from the repository root: python scripts/make_sample_state.py
Times are written relative to SAMPLE_NOW (tui/demo.py); the demo shifts them to the present.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tui.demo.sample import SAMPLE_NOW

ROOT = Path("sample_state")


def at(minutes_ago: float) -> str:
    return (SAMPLE_NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def ticket(
    folder: str, name: str, header: dict[str, object] | None, body: str, raw: str | None = None
) -> None:
    path = ROOT / "tickets" / folder / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    if raw is not None:
        path.write_text(raw, encoding="utf-8")
        return
    lines = ["---"]
    for key, value in (header or {}).items():
        if isinstance(value, dict):
            lines.append(f"{key}:")
            lines.extend(f"  {k}: {v}" for k, v in value.items())
        elif isinstance(value, str) and key != "created" and any(c in value for c in ":#[]{}\"'"):
            lines.append(f"{key}: {json.dumps(value)}")
        else:
            lines.append(f"{key}: {value}")
    lines.append("---")
    path.write_text("\n".join(lines) + "\n" + body.strip() + "\n", encoding="utf-8")


ORIGINALS: dict[str, tuple[str, str, str, float, str | None]] = {}  # answered, now archived
ORIGINAL_VERIFY: dict[str, object] = {}  # the original's `verify`, checked once it is done
ORIGINAL_NAMES: dict[str, str] = {}  # an original archived under another file name


def t(
    folder,
    tid,
    sender,
    to,
    priority,
    subject,
    minutes_ago,
    status="open",
    deliverable=None,
    reply=None,
    project=None,
    body="",
    original_verify=None,
    original_name=None,
    **more,
):
    header: dict[str, object] = {"id": tid, "from": sender, "to": to}
    if priority is not None:
        header["priority"] = priority
    if subject is not None:
        header["subject"] = subject
    if deliverable is not None:
        header["deliverable"] = deliverable
    header["created"] = at(minutes_ago)
    header["status"] = status
    if reply:
        header["in_reply_to"] = reply
        # The request it answers sits in the archive, under its own id (nothing else uses it).
        ORIGINALS[reply] = (to, sender, subject or tid, minutes_ago + 60, project)
        if original_verify is not None:
            ORIGINAL_VERIFY[reply] = original_verify
        if original_name is not None:
            ORIGINAL_NAMES[reply] = original_name
    if project:
        header["project"] = project
    header.update(more)
    ticket(folder, tid, header, body or f"# {subject or tid}\n\nSee the subject line.")


def main() -> None:
    if ROOT.exists():
        shutil.rmtree(ROOT)
    (ROOT / "backups").mkdir(parents=True)
    (ROOT / "backups" / "platform-nightly.tar.zst").write_text("sample backup artifact\n")
    A, OP = "to_architect", "to_operator"
    # --- architect's inbox
    t(
        A,
        "T-0101",
        "operator",
        "architect",
        "P0",
        "Which registrar holds memorial-b's DNS: Gandi or Cloudflare?",
        190,
        status="needs_clarification",
        reply="T-0090",
        deliverable="A registrar name, confirmed with dig NS",
        body="""# Which registrar?

The DR runbook says **Cloudflare**, the switchover script targets Cloudflare, but nobody ran
`dig NS memorial-b.example.org`. I will not run the switchover until this is answered.

- [ ] registrar confirmed
- [ ] runbook corrected
""",
    )
    t(
        A,
        "T-0104",
        "pm-memorial-a",
        "architect",
        "P2",
        "Guestbook spam filter fixed",
        75,
        status="done",
        reply="T-0098",
        deliverable="Guestbook rejects the 3 sample spam posts",
        project="memorial-a",
        verify={
            "url": "https://memorial-a.example.org/guestbook",
            "status": 200,
            "contains": "Guestbook",
        },
    )
    t(
        A,
        "T-0107",
        "operator",
        "architect",
        "P1",
        "VPS upgrade blocked: alternatives not examined",
        140,
        status="blocked",
        reply="T-0099",
        deliverable="A comparison with the seven prior projects' deployments",
        body="Blocked by the budget gate: show that the architectural alternatives were examined first.",
    )
    t(
        A,
        "T-0110",
        "pm-bakery",
        "architect",
        "medium",
        "Staging site for bakery order form",
        300,
        deliverable="staging.bakery.example.org answers 200 behind basic auth",
        project="bakery",
        verify="https://staging.bakery.invalid/",
    )
    t(
        A,
        "T-0112",
        "operator",
        "architect",
        "P2",
        "Rejected: disabling Docker healthchecks",
        50,
        status="rejected",
        reply="T-0100",
        deliverable="n/a",
        body="Rejected. The healthchecks are cheap; the problem is that nobody probes from the outside.",
    )
    t(
        A,
        "T-0115",
        "pm-library",
        "architect",
        "P1",
        "Is the reading-list export a GDPR concern?",
        58,
        status="needs_clarification",
        deliverable="A yes/no with the article that applies",
        project="library",
    )
    t(
        A,
        "T-0134",
        "operator",
        "architect",
        "P3",
        "Weekly backup report: all 12 sites restored in 38 min",
        30,
        status="done",
        reply="T-0093",
        deliverable="Restore drill under 45 min",
    )
    t(
        A,
        "T-0136",
        "operator",
        "architect",
        "P1",
        "memorial-b restarted after the volume fix",
        40,
        status="done",
        deliverable="memorial-b answers 200 from the outside",
        project="memorial-b",
        verify="https://memorial-b.example.org/",
        body="# Restarted\n\nThe containers report healthy. Marked done.",
    )
    ticket(
        A,
        "panel-notes",
        None,
        "",
        raw="Panel notes, SRE persona\n\nThis file was dropped without a header.\n",
    )
    # --- operator's inbox
    t(
        OP,
        "T-0102",
        "architect",
        "operator",
        "P0",
        "Five sites answer 503 from the outside",
        95,
        deliverable="All 10 sites answer 200 to an external curl",
        body="""# Five sites answer 503

Docker says every container is *healthy*. From the outside:

| site | status |
|---|---|
| memorial-b | 503 |
| bakery | 503 |

Check the reverse proxy and the volume mounts. [runbook](https://docs.example.org/runbook)
""",
    )
    t(
        OP,
        "T-0103",
        "architect (Cybersecurity)",  # a panel finding: role architect, persona Cybersecurity
        "operator",
        "P1",
        "Rotate the deploy webhook secret",
        260,
        deliverable="POST /hooks/deploy answers 200 with the new secret",
        severity="High",
        scope_severity="Medium",
        risk=6.5,
        exposure="verified",
    )
    t(
        OP,
        "T-0105",
        "pm-memorial-a",
        "operator",
        "high",
        "Deploy the guestbook fix to production",
        70,
        deliverable="The fix is live: curl shows the new footer version",
        project="memorial-a",
    )
    t(
        OP,
        "T-0140",
        "pm-library",
        "operator",
        "P2",
        "Move the library to the new volume",
        25,
        deliverable="The library answers 200 from the new volume",
        project="library",
        maintenance={"sites": "[library]", "from": at(20), "until": at(-40)},
        body="""# Move the library to the new volume

Planned work: the library may answer 503 while its files are copied. The window ends when this
ticket is answered done (or at `until`).
""",
    )
    t(
        OP,
        "T-0108",
        "architect",
        "operator",
        "low",
        "Document backup restore timing in the DR runbook",
        1500,
        deliverable="Runbook section with measured RTO per phase",
    )
    t(
        OP,
        "T-0111",
        "pm-bakery",
        "operator",
        "urgent",
        "Bakery contact form returns 500",
        25,
        deliverable="Contact form posts and the mail arrives",
        project="bakery",
    )
    t(
        OP,
        "T-0113",
        "architect",
        "operator",
        "P1",
        "Clarify: which sites count toward the availability SLO?",
        80,
        status="needs_clarification",
        reply="T-0095",
        deliverable="The list of sites in scope",
    )
    t(
        OP,
        "T-0114",
        "pm-library",
        "operator",
        "P2",
        "Library search index rebuilt",
        35,
        status="done",
        reply="T-0096",
        deliverable="Search answers in under 300 ms",
        project="library",
        original_verify={
            "url": "https://library.example.org/search",
            "status": 200,
            "contains": "new index",
        },
    )
    t(
        OP,
        "T-0116",
        "pm-bakery",
        "operator",
        "P2",
        "Nightly menu import (scheduled)",
        -90,
        deliverable="Menu import runs at 02:00",
        project="bakery",
    )
    t(
        OP,
        "T-0117",
        "pm-memorial-a",
        "architect",
        "P2",
        "Photo gallery layout proposal",
        45,
        deliverable="A decision on the gallery grid",
        project="memorial-a",
    )
    t(
        OP,
        "T-0135",
        "architect",
        "operator",
        "P1",
        "disk [/var] full on the backup volume",
        15,
        deliverable="At least 20% free on /var with the retention policy applied",
    )
    ticket(
        OP,
        "T-0118",
        None,
        "",
        raw='---\nid: T-0118\nfrom: architect\nsubject: "Renew the wildcard certificate\npriority: P1\n---\nUnclosed quote above.\n',
    )
    ticket(
        OP,
        "T-0119",
        None,
        "",
        raw="---\nid: T-0119\nfrom: pm-library\nsubject: Migrate search to the new index\nstatus: wip\ncreated: "
        + at(400)
        + "\n---\nStatus is not one the protocol knows.\n",
    )
    # --- PMs
    P = "to_pm-memorial-a"
    t(
        P,
        "T-0120",
        "architect",
        "pm-memorial-a",
        "P1",
        "Add cache headers to static assets",
        600,
        deliverable="Cache-Control max-age=86400 on /static/*",
        project="memorial-a",
    )
    t(
        P,
        "T-0121",
        "operator",
        "pm-memorial-a",
        "P2",
        "Volume mount corrected for the photo store",
        110,
        status="done",
        reply="T-0097",
        deliverable="Photos load from the mounted volume",
        project="memorial-a",
        original_verify={"url": "https://memorial-a.example.org/photos", "contains": "Photos"},
        original_name="photo-store-volume-request",
    )
    t(
        P,
        "T-0122",
        "operator",
        "pm-memorial-a",
        "P1",
        "Deploy blocked: image build fails on the new base",
        65,
        status="blocked",
        reply="T-0092",
        deliverable="Image builds on debian-12 base",
        project="memorial-a",
    )
    t(
        P,
        "T-0123",
        "architect",
        "pm-memorial-a",
        "P2",
        "Which fonts does the memorial page need offline?",
        20,
        status="needs_clarification",
        deliverable="A font list",
        project="memorial-a",
    )
    B = "to_pm-bakery"
    t(
        B,
        "T-0125",
        "architect",
        "pm-bakery",
        "P2",
        "Order form: add honeypot field",
        900,
        deliverable="Spam posts drop to zero in a week",
        project="bakery",
    )
    t(
        B,
        "T-0126",
        "operator",
        "pm-bakery",
        "P3",
        "TLS renewed for bakery.example.org",
        200,
        status="done",
        reply="T-0091",
        deliverable="Certificate valid 89 days",
        project="bakery",
        original_verify="https://bakery.example.org/",
    )
    t(
        B,
        "T-0127",
        "architect",
        "pm-bakery",
        "P3",
        "Tidy the README of the bakery repo",
        3000,
        project="bakery",
    )
    t(
        B,
        "T-0137",
        "architect",
        "pm-bakery",
        "P2",
        "Staging site for the order form is up",
        70,
        status="done",
        deliverable="staging.bakery.example.org answers 200 behind basic auth",
        project="bakery",
        in_reply_to="T-0110",
    )
    ticket(
        B,
        "T-0128",
        None,
        "",
        raw="---\nid: T-0128\nto: pm-bakery\nsubject: Who sent this?\ncreated: "
        + at(120)
        + "\n---\nThe sender is missing.\n",
    )
    L = "to_pm-library"
    t(
        L,
        "T-0130",
        "architect",
        "pm-library",
        "P0",
        "Remove Umami analytics from the children's site",
        130,
        deliverable="No third-party script on any page of the children's site",
        project="library",
    )
    t(
        L,
        "T-0131",
        "operator",
        "pm-library",
        "P2",
        "Rejected: SSH access for the PM role",
        95,
        status="rejected",
        reply="T-0094",
        deliverable="n/a",
        project="library",
        body="Roles are safety boundaries: a PM session does not SSH to the VPS.",
    )
    t(
        L,
        "T-0132",
        "architect",
        "pm-library",
        None,
        None,
        240,
        deliverable="The catalogue renders on a 320 px screen",
        project="library",
        body="# Make the catalogue readable on phones\n\nThe table overflows below 400 px.",
    )
    t(
        L,
        "T-0133",
        "operator",
        "pm-library",
        "P1",
        "Certificate for library.example.org renews in 5 days: confirm DNS",
        55,
        deliverable="dig NS shows the Gandi name servers",
        project="library",
    )
    # --- the archive: ~200 handled tickets over two months, nested by month
    rng = random.Random(7)
    roles = ["architect", "operator", "pm-memorial-a", "pm-bakery", "pm-library"]
    subjects = [
        "Renew certificate for {p}",
        "Deploy {p} release {n}",
        "Fix broken link on {p}",
        "Rotate secrets for {p}",
        "Add uptime probe for {p}",
        "Compress images on {p}",
        "Backup drill for {p}",
        "Update base image for {p}",
        "Review CSP headers of {p}",
        "Move {p} DNS check to preflight",
    ]
    for reply, (sender, receiver, subject, minutes, p) in sorted(ORIGINALS.items()):
        month = (SAMPLE_NOW - timedelta(minutes=minutes)).strftime("%Y-%m")
        header = {
            "id": reply,
            "from": sender,
            "to": receiver,
            "priority": "P1",
            "subject": f"Request: {subject}",
            "deliverable": "See the body",
            "created": at(minutes),
            "status": "open",
        }
        if p:
            header["project"] = p
        if reply in ORIGINAL_VERIFY:
            header["verify"] = ORIGINAL_VERIFY[reply]
        name = ORIGINAL_NAMES.get(reply, reply)
        ticket(f"archive/{month}", name, header, "The request; its answer waits in an inbox.")
    for n in [*range(1, 90), *range(200, 311)]:  # no id of the inbox (T-01xx) or its originals
        sender, receiver = rng.sample(roles, 2)
        minutes = 60 * 24 * rng.uniform(2, 60)
        month = (SAMPLE_NOW - timedelta(minutes=minutes)).strftime("%Y-%m")
        p = rng.choice(["memorial-a", "memorial-b", "bakery", "library", "gallery"])
        status = (
            "open"
            if n % 2
            else rng.choice(["done", "done", "done", "rejected", "blocked", "needs_clarification"])
        )
        header = {
            "id": f"T-{n:04d}",
            "from": sender,
            "to": receiver,
            "priority": rng.choice(["P0", "P1", "P2", "P2", "P3"]),
            "subject": rng.choice(subjects).format(p=p, n=n),
            "deliverable": "See the body",
            "created": at(minutes),
            "status": status,
            "project": p,
        }
        if status != "open":
            header["in_reply_to"] = f"T-{n - 1:04d}"
        ticket(f"archive/{month}", f"T-{n:04d}", header, "Handled.")
    (ROOT / "sisyphus.toml").write_text(CONFIG, encoding="utf-8")
    # A hat switch: the operator acts as the bakery's PM (open, within its hour), and one closed.
    intents = ROOT / "intents"
    intents.mkdir()
    (intents / "2026-11-24T0930Z-operator.md").write_text(
        f"""---
role: operator
acting_as: pm-bakery
reason: the bakery's deploy webhook is down and its PM is not answering
created: {at(30)}
until: {at(-30)}
ticket: T-0110
---
Restart the bakery's webhook container; undo: `docker compose up -d webhook` with the old tag.
""",
        encoding="utf-8",
    )
    (intents / "2026-11-23T1500Z-architect.md").write_text(
        f"""---
role: architect
acting_as: operator
reason: the operator's session had ended mid-deploy of the library
created: {at(19 * 60)}
closed: {at(18 * 60 + 20)}
---
Finished the library deploy the operator had started; nothing left to undo.
""",
        encoding="utf-8",
    )


CONFIG = """\
# The bundled sample platform. `sisyphus-room --demo` runs on a copy of this folder with its
# times moved to the present and the sites pointed at a small fleet on 127.0.0.1.

[room]
stale_after = "1h"
probe_interval = "15s"
roles = ["architect", "operator", "pm-memorial-a", "pm-bakery", "pm-library", "pm-gallery"]

[slo]
window = "30d"
freeze_below = 0.20
availability = 0.995
latency_p95_ms = 500
tls_min_days = 7
backup_max_age = "26h"

[[sites]]
name = "memorial-a"
url = "https://memorial-a.example.org/"

[[sites]]
name = "memorial-b"
url = "https://memorial-b.example.org/"

[[sites]]
name = "bakery"
url = "https://bakery.example.org/"

[[sites]]
name = "library"
url = "https://library.example.org/"

[[sites]]
name = "gallery"
url = "https://gallery.example.org/"

[backups]
path = "backups"
"""

if __name__ == "__main__":
    main()
