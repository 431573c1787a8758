"""The crew's flow from a month of bus history with known figures, checked exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.helpers import run_cli, write_ticket
from tui.base.config import Config
from tui.bus.flow import compute, flow_of, recent_archive
from tui.bus.scanner import Scanner

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def at(hours_ago: float) -> str:
    return (NOW - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def archived(root: Path, month: str, name: str, **header: object) -> None:
    folder = root / "tickets" / "archive" / month
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["---", *(f"{'from' if k == 'sender' else k}: {v}" for k, v in header.items()), "---"]
    (folder / f"{name}.md").write_text("\n".join(lines) + "\nBody.\n")


def month_of_history(root: Path) -> None:
    """The operator answered four requests of the architect (1 h, 2 h, 3 h and 10 h after them,
    one rejected, one blocked), one of them 40 days ago (outside the cycle window); it has two
    requests waiting now, the oldest 6 h. pm-shop has one waiting 30 h and never answered."""
    answers = [  # (request id, asked h ago, answered h ago, status)
        ("Q-1", 30, 29, "done"),
        ("Q-2", 50, 48, "rejected"),
        ("Q-3", 75, 72, "blocked"),
        ("Q-4", 20, 10, "done"),
        ("Q-5", 40 * 24 + 5, 40 * 24, "done"),
    ]
    for request, asked, answered, status in answers:
        month = "2026-12" if asked < 60 else "2026-11"
        archived(
            root,
            month,
            request,
            id=request,
            sender="architect",
            to="operator",
            created=at(asked),
            subject="s",
            deliverable="d",
        )
        write_ticket(
            root,
            "architect",
            f"R-{request}",
            id=f"R-{request}",
            sender="operator",
            to="architect",
            created=at(answered),
            status=status,
            in_reply_to=request,
        )
    write_ticket(root, "operator", "W-1", id="W-1", sender="architect", created=at(6))
    write_ticket(
        root, "operator", "W-2", id="W-2", sender='"architect (Cybersecurity)"', created=at(2)
    )
    write_ticket(root, "pm-shop", "W-3", id="W-3", sender="operator", created=at(30))


def test_a_month_of_history_gives_known_figures(root: Path) -> None:
    month_of_history(root)
    bus = Scanner(root).scan()
    flow = compute(root, bus, NOW, recent_archive(root, NOW))
    operator, shop = flow.roles["operator"], flow.roles["pm-shop"]
    assert (operator.waiting, operator.oldest_s) == (2, 6 * 3600)
    assert operator.last_pickup == NOW - timedelta(hours=10)
    # Cycle times within 30 days: 1 h, 2 h, 3 h, 10 h (Q-5 is 40 days old).
    assert sorted(operator.cycles) == [3600.0, 7200.0, 3 * 3600.0, 10 * 3600.0]
    assert operator.percentile(0.50) == int(2.5 * 3600)
    assert operator.percentile(0.85) == int((3 + 0.55 * 7) * 3600)
    assert dict(operator.answered) == {"done": 2, "rejected": 1, "blocked": 1}
    # Out per day over the 7 UTC days ending today (12-03): answers at 02:00 (10 h ago) today,
    # 12-02 07:00 (29 h), 12-01 12:00 (48 h), 11-30 12:00 (72 h).
    assert flow.days[0] == "2026-11-27" and flow.days[-1] == "2026-12-03"
    assert operator.out_7d == [0, 0, 0, 1, 1, 1, 1]
    # In: Q-3 (11-30 09:00), Q-2 (12-01 10:00), Q-1 (12-02 06:00), Q-4 (12-02 16:00), W-1, W-2.
    assert operator.in_7d == [0, 0, 0, 1, 1, 2, 2]
    assert shop.waiting == 1 and shop.last_pickup is None
    idle = Config().idle_after  # 4 h
    assert shop.idle(NOW, idle) == timedelta(hours=30)
    assert operator.idle(NOW, idle) is not None  # work waiting 6 h, last answer 10 h ago
    assert operator.idle(NOW, timedelta(hours=12)) is None
    assert flow.personas == {"Cybersecurity": 1}


def test_the_archive_is_read_in_bounded_time(root: Path) -> None:
    for n in range(30):
        archived(root, "2026-12", f"A-{n}", id=f"A-{n}", sender="operator", created=at(n))
    archived(root, "2025-01", "OLD", id="OLD", sender="operator", created=at(9000))
    assert len(recent_archive(root, NOW, limit=10)) == 10
    assert {t.id for t in recent_archive(root, NOW)} == {f"A-{n}" for n in range(30)}


def test_status_and_check_carry_the_flow(root: Path) -> None:
    month_of_history(root)
    (root / ".room").mkdir()
    (root / ".room" / "actions.jsonl").write_text(
        "\n".join(json.dumps({"at": at(h), "action": "ack"}) for h in (1, 2, 30)) + "\n"
    )
    now = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    data = json.loads(run_cli(root, "status", "--json", "--now", now).stdout)
    shop = data["flow"]["roles"]["pm-shop"]
    assert shop["idle_s"] == 30 * 3600 and shop["last_pickup"] is None
    assert data["flow"]["roles"]["operator"]["cycle_p50_s"] == 9000
    assert data["flow"]["touchpoints_7d"] == [0, 0, 0, 0, 0, 1, 2]
    check = run_cli(root, "check", "--now", now).stdout
    assert "idle role: pm-shop has 1 waiting (oldest 1d06h), no answer seen" in check
    assert flow_of(root, Scanner(root).scan(), NOW).roles["pm-shop"].waiting == 1


def test_metrics_count_tickets_in_and_out_and_the_oldest_wait(root: Path) -> None:
    from tui.ops.metrics import Metrics

    month_of_history(root)
    config = Config()
    metrics = Metrics(config, "test")
    metrics.set_bus(Scanner(root).scan(), config, NOW)  # the baseline: nothing counted
    (root / "tickets" / "to_operator" / "W-1.md").rename(root / "tickets" / "archive" / "W-1.md")
    write_ticket(root, "pm-shop", "W-4", id="W-4", sender="operator", created=at(1))
    write_ticket(root, "pm-shop", "W-5", id="W-5", sender="operator", created=at(1))
    metrics.set_bus(Scanner(root).scan(), config, NOW)
    text = metrics.exposition(None)[0].decode()
    assert 'sisyphus_tickets_moved_total{direction="out",role="operator"} 1.0' in text
    assert 'sisyphus_tickets_moved_total{direction="in",role="pm-shop"} 2.0' in text
    assert 'sisyphus_tickets_moved_total{direction="in",role="operator"} 0.0' in text
    assert 'sisyphus_inbox_oldest_seconds{role="pm-shop"} 108000.0' in text  # W-3, 30 h
