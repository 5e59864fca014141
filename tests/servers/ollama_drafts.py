"""A stand-in model for "Draft with AI": put in place of tests.servers.ollama.reply_for, it answers
a drafting request with lessons as JSON, one per source it was given (at most three), each written
("In short: ...") from its source's first line of text."""

from __future__ import annotations

import json
import re
from typing import Any

SOURCE = re.compile(r'<source id="(\d+)" title="([^"]*)">\n(.*?)\n</source>', re.DOTALL)


def draft_reply_for(messages: list[dict[str, Any]]) -> str:
    last = messages[-1]["content"] if messages else ""
    lessons = []
    for number, title, text in SOURCE.findall(last)[:3]:
        first = next((line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")), "")
        lessons.append(
            {
                "source": int(number),
                "title": f"Written: {title.split(',')[0]}",
                "text": f"In short: {first}",
                "check_in": "What will you change tonight?",
            }
        )
    return json.dumps({"lessons": lessons})
