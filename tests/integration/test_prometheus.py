"""Prometheus and Alertmanager, the real engines (Debian's `prometheus`, which brings `promtool`,
and `prometheus-alertmanager`): the rules pass `promtool check rules` and the project's own
`promtool test rules` cases; a real Prometheus scrapes a real watcher; a real Alertmanager takes
an incident and ends it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tui.base.config import parse_config
from tui.ops.rules import rules

INSTALL = "apt-get install -y prometheus prometheus-alertmanager"


def need(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        pytest.skip(f"{program} is not installed: {INSTALL}")
    return found


def shop_rules(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    config = parse_config(
        tmp_path / "sisyphus.toml",
        {"sites": [{"name": "shop", "url": "http://shop.example/"}]},
    )
    data = rules(config)
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path, data


def alert(data: dict[str, Any], severity: str) -> dict[str, Any]:
    """The expected alert of the availability SLO at `severity`, as promtool lists it."""
    for group in data["groups"]:
        for rule in group["rules"]:
            labels = rule.get("labels", {})
            if rule.get("alert") and (labels["severity"], labels["slo"]) == (
                severity,
                "availability",
            ):
                return {"exp_labels": labels, "exp_annotations": rule["annotations"]}
    raise AssertionError(f"no {severity} alert")


def series(bad_per_minute: str) -> list[dict[str, str]]:
    """10 events a minute for 3 hours, and the bad ones as given (promtool's series notation)."""
    labels = 'site="shop",slo="availability",vantage="probe-1"'
    return [
        {"series": f"sisyphus_slo_events_total{{{labels}}}", "values": "0+10x180"},
        {"series": f"sisyphus_slo_bad_events_total{{{labels}}}", "values": bad_per_minute},
    ]


def test_rules_pass_promtool_and_its_unit_tests(tmp_path: Path) -> None:
    promtool = need("promtool")
    path, data = shop_rules(tmp_path)
    checked = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    page, ticket = alert(data, "page"), alert(data, "ticket")
    cases = {
        "rule_files": [path.name],
        "evaluation_interval": "1m",
        "tests": [
            {  # 15× the budget (7.5 % of 0.5 %): pages within the 5-minute window, tickets too
                "interval": "1m",
                "input_series": series("0+0.75x180"),
                "alert_rule_test": [
                    {
                        "eval_time": "6m",
                        "alertname": "SisyphusErrorBudgetBurn",
                        "exp_alerts": [page, ticket],
                    },
                ],
            },
            {  # 0.8× the budget: nothing pages, nothing tickets
                "interval": "1m",
                "input_series": series("0+0.04x180"),
                "alert_rule_test": [
                    {"eval_time": "2h", "alertname": "SisyphusErrorBudgetBurn", "exp_alerts": []},
                ],
            },
            {  # 10 % bad for an hour, then none: paging stops; the 6h/3d ticket remembers
                "interval": "1m",
                "input_series": series("0+1x60 60+0x120"),
                "alert_rule_test": [
                    {
                        "eval_time": "30m",
                        "alertname": "SisyphusErrorBudgetBurn",
                        "exp_alerts": [page, ticket],
                    },
                    {
                        "eval_time": "150m",
                        "alertname": "SisyphusErrorBudgetBurn",
                        "exp_alerts": [ticket],
                    },
                ],
                "promql_expr_test": [
                    {
                        "expr": 'slo:sli_error:ratio_rate5m{sloth_id="shop-availability"}',
                        "eval_time": "150m",
                        "exp_samples": [
                            {
                                "labels": 'slo:sli_error:ratio_rate5m{sloth_id="shop-availability",'
                                'sloth_service="shop",sloth_slo="availability",sloth_window="5m"}',
                                "value": 0,
                            },
                        ],
                    },
                ],
            },
        ],
    }
    test_file = tmp_path / "rules_test.yml"
    test_file.write_text(yaml.safe_dump(cases, sort_keys=False))
    tested = subprocess.run(
        [promtool, "test", "rules", str(test_file)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout + tested.stderr
