"""The rules' nudges for the dashboard and the API: each rule's effect as the rules record it
(coaching.rule_reports), in one list, the rules that fired most first."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def nudges_by_rule(*, now: datetime) -> list[dict[str, Any]]:
    from coaching.models import Rule
    from coaching.rule_reports import rule_effect

    rows = []
    for rule in Rule.objects.order_by("name"):
        effect = rule_effect(rule, now=now).as_dict()
        rows.append({"rule": str(rule.pk), "name": rule.name, "enabled": rule.enabled,
                     "holdout_percent": rule.holdout_percent, **effect})  # fmt: skip
    return sorted(rows, key=lambda row: -(row["sent"]["firings"] + row["held_back"]["firings"]))
