"""How well check-in replies are read, on a labelled English/Spanish set.

Usage: python bench/checkin_parsing.py [--set PATH]
Runs coaching.checkins.checkin_answer_read over bench/data/checkin_replies.jsonl (no database, no
Django settings) and reports the share read exactly right (within 0.01), the replies refused
where a value was expected, and the wrong numbers accepted: a value that differs from the label,
or any value where the label says the reader must refuse. Exits 1 when there is a wrong number:
a refusal costs one clarifying question, a wrong number sits in someone's history.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

try:
    from _setup import ROOT  # run as a script: puts the repository root on sys.path
except ImportError:  # imported as bench.checkin_parsing (the tests): the root is already there
    ROOT = Path(__file__).resolve().parent.parent

from coaching.checkins import checkin_answer_read

DATA = ROOT / "bench" / "data" / "checkin_replies.jsonl"
TOLERANCE = 0.01


def load_replies(path: Path = DATA) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def evaluate(replies: list[dict]) -> dict:
    """The figures over `replies`: accuracy, refusals (value expected, None read), wrong_numbers,
    accuracy per language and answer type, and the replies behind every miss."""
    right = refusals = wrong = 0
    groups: dict[str, list[bool]] = defaultdict(list)
    misses = []
    for reply in replies:
        reading = checkin_answer_read(
            reply["text"], answer_type=reply["answer_type"], unit=reply["unit"], language=reply["language"]
        )
        got = None if reading is None else reading.value
        expected = reply["expected"]
        if expected is None:
            ok = got is None
            wrong += not ok
        elif got is None:
            ok = False
            refusals += 1
        else:
            ok = abs(got - expected) <= TOLERANCE
            wrong += not ok
        right += ok
        groups[f"{reply['language']} {reply['answer_type']}"].append(ok)
        if not ok:
            misses.append({**reply, "got": got})
    return {
        "n": len(replies),
        "accuracy": right / len(replies),
        "refusals": refusals,
        "wrong_numbers": wrong,
        "groups": {name: sum(oks) / len(oks) for name, oks in sorted(groups.items())},
        "misses": misses,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DATA, help="labelled replies (JSON lines)")
    args = parser.parse_args()
    report = evaluate(load_replies(args.set))
    print(f"{report['n']} replies")
    for group, accuracy in report["groups"].items():
        print(f"  {group:10} {accuracy:.3f}")
    print(f"accuracy {report['accuracy']:.3f}")
    print(f"refused where a value was expected {report['refusals']}")
    print(f"WRONG NUMBERS ACCEPTED {report['wrong_numbers']}")
    for miss in report["misses"]:
        kind = "REFUSED" if miss["got"] is None else "WRONG"
        print(f"{kind} [{miss['language']}/{miss['answer_type']}/{miss['unit']}] {miss['text']!r}", end="")
        print(f" expected {miss['expected']}, read {miss['got']}")
    return 1 if report["wrong_numbers"] else 0


if __name__ == "__main__":
    sys.exit(main())
