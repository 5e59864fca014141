"""Crisis detection quality and speed on a labelled English/Spanish set.

Usage: python bench/safety.py
Runs conversations.safety.crisis_signal over bench/data/safety_messages.jsonl (no database, no
Django settings) and reports recall per category and language on the crisis messages, the false
alarm rate on the rest (with every miss and false alarm listed), the category confusion, and the
median / p95 time per message. Exits 1 when crisis recall is below 1.0: a missed crisis is the
failure that matters; false alarms are reported so they can only go down.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter, defaultdict

from _setup import ROOT

from conversations.safety import CATEGORIES, crisis_signal

DATA = ROOT / "bench" / "data" / "safety_messages.jsonl"
REPEATS = 20


def load_messages() -> list[dict]:
    with DATA.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def timings(messages: list[dict]) -> list[float]:
    """Seconds per message: the median of REPEATS timed calls, so a busy machine's occasional
    stall on one call does not pass for the detector's own cost."""
    per_message = []
    for message in messages:
        calls = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            crisis_signal(message["text"])
            calls.append(time.perf_counter() - started)
        per_message.append(statistics.median(calls))
    return per_message


def main() -> int:
    messages = load_messages()
    results = [(message, crisis_signal(message["text"])) for message in messages]
    crisis = [(m, got) for m, got in results if m["label"] is not None]
    calm = [(m, got) for m, got in results if m["label"] is None]

    print(f"{len(messages)} messages: {len(crisis)} crisis, {len(calm)} not")
    groups: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for message, got in crisis:
        groups[(message["label"], message["language"])].append(got is not None)
    for category in CATEGORIES:
        for language in ("en", "es"):
            found = groups[(category, language)]
            print(f"recall {category:9} {language}  {sum(found):2}/{len(found):2}  {sum(found) / len(found):.3f}")
    detected = sum(got is not None for _, got in crisis)
    recall = detected / len(crisis)
    exact = sum(got == m["label"] for m, got in crisis)
    print(f"recall (any category) {detected}/{len(crisis)} = {recall:.3f}; right category {exact}/{len(crisis)}")

    alarms = [(m, got) for m, got in calm if got is not None]
    print(f"false alarms {len(alarms)}/{len(calm)} = {len(alarms) / len(calm):.3f}")

    confusion = Counter((m["label"], got) for m, got in results)
    labels = (*CATEGORIES, None)
    print("confusion (rows: label, columns: detected)")
    print(" " * 10 + "".join(f"{label or 'none':>10}" for label in labels))
    for row in labels:
        print(f"{row or 'none':10}" + "".join(f"{confusion[(row, col)]:>10}" for col in labels))

    for message, got in crisis:
        if got is None:
            print(f"MISS [{message['label']}/{message['language']}] {message['text']}")
        elif got != message["label"]:
            print(f"WRONG CATEGORY [{message['label']} -> {got}] {message['text']}")
    for message, got in alarms:
        print(f"FALSE ALARM [{got}/{message['language']}] {message['text']}")

    seconds = sorted(timings(messages))
    p95 = seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))]
    print(f"time per message: median {statistics.median(seconds) * 1e3:.3f} ms, p95 {p95 * 1e3:.3f} ms")
    return 0 if recall == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
