"""docs/api.md cannot rot: its shell blocks run, in order, against a real server, as a developer runs them."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
from pathlib import Path

import dramatiq
import pytest

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("curl") is None, reason="the guide uses curl"),
]
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def guide_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)


def work_the_queue() -> None:
    """What `make run`'s worker does: run the jobs the server queued."""
    broker = dramatiq.get_broker()
    for queue in broker.queues.values():
        while not queue.empty():
            message = dramatiq.Message.decode(queue.get_nowait())
            broker.get_actor(message.actor_name).fn(*message.args, **message.kwargs)


def test_the_guide_from_signup_to_a_grounded_answer_works_as_written(platform, knowledge, asgi_server, tmp_path):
    run = secrets.token_hex(3)
    env = {
        **os.environ,
        "COMPA": f"localhost:{asgi_server}",
        "SLUG": f"guide-{run}",
        "EMAIL": f"guide-{run}@example.com",
    }
    state = tmp_path / "state.sh"
    state.write_text("")
    outputs = []
    blocks = guide_blocks()
    assert len(blocks) >= 7
    for block in blocks:
        work_the_queue()
        script = f"set -e\nsource {state}\n{block}\n{{ export -p; declare -f; }} > {state}\n"
        result = subprocess.run(
            ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=90
        )
        assert result.returncode == 0, f"{block}\n--- stdout:\n{result.stdout}\n--- stderr:\n{result.stderr}"
        outputs.append(result.stdout)
    answer = next(out for block, out in zip(blocks, outputs, strict=True) if '"$CREATOR/chat" ' in block)
    assert '"grounded":true' in answer and "Training guide" in answer and "two rest days" in answer
    streamed = next(out for block, out in zip(blocks, outputs, strict=True) if "/chat/stream" in block)
    assert "event: token" in streamed and "event: done" in streamed
    waited = next(out for out in outputs if out.startswith("document "))
    assert waited.strip().endswith("is ready")
