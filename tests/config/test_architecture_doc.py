"""docs/architecture.md stays true: the stages and outlets it names are the ones the settings run."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

DOC = (Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text()


def test_the_diagram_names_every_stage_in_the_order_they_run():
    diagram = DOC[DOC.index("## A message's way through") :].split("```")[1]
    drawn = re.findall(r"[a-z]+_[a-z_]+", diagram)
    stages = [path.rsplit(".", 1)[1] for path in settings.CONVERSATION_TURN_STAGES]
    assert [name for name in drawn if name in stages] == stages
    assert "message_send" in drawn, "the reply leaves through the one outbound verb"


def test_every_registered_outlet_is_described():
    for path in settings.CONVERSATION_OUTLETS:
        name = path.rsplit(".", 1)[1]
        assert f"`{name}`" in DOC, name
        assert (Path(__file__).resolve().parents[2] / path.replace(".", "/")).is_dir()
