"""What changed before it broke: a ticket about the site marked done 14 minutes before its first
bad probe is a suspect of the incident (record, post-mortem, JSON); one about another site is
not."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from tests.helpers import NOW, run_cli, stamp, write_config, write_ticket
from tests.servers import Switch, switch_server
from tui.base.clock import ManualClock
from tui.base.config_reading import load_config
from tui.bus.scanner import Scanner
from tui.ops.engine import Operations
from tui.ops.postmortem import postmortem_text
from tui.view.budgets import budget_detail
from tui.view.incidents import incident_record


def test_a_done_ticket_before_the_first_bad_probe_is_a_suspect(root: Path) -> None:
    common = {"sender": "pm-memorial", "status": "done", "deliverable": "d"}
    write_ticket(
        root,
        "architect",
        "T-0136",
        id="T-0136",
        subject="deploy the gallery",
        project="memorial",
        created=stamp(14),
        in_reply_to="T-0100",
        **common,
    )
    write_ticket(
        root,
        "architect",
        "T-0137",
        id="T-0137",
        subject="bakery: new order form",
        project="bakery",
        created=stamp(10),
        **common,
    )
    write_ticket(
        root,
        "architect",
        "T-0138",
        id="T-0138",
        subject="shop cache headers",
        created=stamp(300),
        **common,
    )  # about the shop, but five hours before
    write_ticket(
        root,
        "architect",
        "T-0139",
        id="T-0139",
        subject="Move shop to the new host",
        created=stamp(30),
        **common,
    )  # names the site in its subject
    clock = ManualClock(NOW)
    with switch_server(Switch()) as port:  # answers 503
        write_config(
            root,
            incidents={"open_after": 2},
            sites={
                "shop": {"project": "memorial", "url": f"http://127.0.0.1:{port}/", "timeout": "3s"}
            },
        )
        config = load_config(root)
        ops = Operations(root, config, writer=True, now=clock())
        tickets = Scanner(root).scan().tickets
        ops.round(clock, tickets=tickets, now=clock())
        clock.advance(timedelta(minutes=1))
        [incident] = ops.round(clock, tickets=tickets, now=clock()).opened
        ops.close()
    assert [s["ticket"] for s in incident.suspects] == ["T-0136", "T-0139"]
    first = incident.suspects[0]
    assert first["role"] == "pm-memorial" and first["subject"] == "deploy the gallery"
    assert 14 * 60 <= first["before_s"] < 15 * 60
    record = "".join(text for text, _ in incident_record(incident, []))
    assert 'T-0136 pm-memorial "deploy the gallery" done 14 min before' in record
    assert "T-0137" not in record and "T-0138" not in record
    assert "## What changed before it broke" in postmortem_text(incident, NOW)
    budget = "".join(t for t, _ in budget_detail("shop", [], {}, None, {}, [incident]))
    assert f"{incident.id} (triggered): availability" in budget
    assert 'suspect: T-0136 pm-memorial "deploy the gallery"' in budget
    data = json.loads(run_cli(root, "status", "--json", "--now", stamp(-1)).stdout)
    [shown] = data["incidents"]
    assert [s["ticket"] for s in shown["suspects"]] == ["T-0136", "T-0139"]
