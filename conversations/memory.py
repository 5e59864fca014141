"""What a person tells the coach about themselves, in their own words (English and Spanish).

Plain patterns, not a model: what is kept is always something the person actually said, so the
creator can trust it and the person can see exactly what is remembered.
"""

from __future__ import annotations

import re

NAME = r"([A-ZÁÉÍÓÚÑ][a-záéíóúñü'-]{1,30})"
REST = r"([^.!?\n]{3,160})"
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("name", re.compile(rf"\b(?:my name is|call me|me llamo|mi nombre es)\s+{NAME}", re.IGNORECASE)),
    ("name", re.compile(rf"\b(?:I'm|I am|soy)\s+{NAME}\s*(?:[,.!]|$)")),
    (
        "goal",
        re.compile(
            rf"\b(?:my goal is(?: to)?|i want to|i'd like to|i would like to|i'm training for)\s+{REST}",
            re.IGNORECASE,
        ),
    ),
    ("goal", re.compile(rf"\b(?:mi (?:meta|objetivo) es|quiero|me gustaría)\s+{REST}", re.IGNORECASE)),
    ("constraint", re.compile(rf"\b(?:i'm allergic to|i am allergic to|soy alérgic[oa] a)\s+{REST}", re.IGNORECASE)),
    ("constraint", re.compile(rf"\b(?:i can't|i cannot|no puedo)\s+{REST}", re.IGNORECASE)),
    (
        "constraint",
        re.compile(
            r"\b(?:i'm|i am|soy)\s+(vegan[oa]?|vegetarian[oa]?|pregnant|embarazada|diabetic|diabétic[oa])\b",
            re.IGNORECASE,
        ),
    ),
    ("preference", re.compile(rf"\b(?:i prefer|prefiero)\s+{REST}", re.IGNORECASE)),
]
FORGET = re.compile(
    r"^\s*(?:please\s+|por favor,?\s+)?(?:forget (?:everything|all about me|what you know about me|me)"
    r"|olvida(?:te de)? (?:todo|mí|lo que sabes de mí))\s*[.!]?\s*$",
    re.IGNORECASE,
)
NOT_A_NAME = {"not", "so", "very", "really", "just", "here", "fine", "good", "ok", "okay", "sorry", "tired", "back"}


def facts_in(text: str) -> list[tuple[str, str]]:
    """(kind, words) for every fact the text states about its author."""
    facts: list[tuple[str, str]] = []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text):
            words = " ".join(match.group(0 if kind == "constraint" else 1).split()).strip(" ,;:")
            if kind == "name" and words.lower() in NOT_A_NAME:
                continue
            if (kind, words) not in facts:
                facts.append((kind, words))
    return facts


def asks_to_forget(text: str) -> bool:
    return bool(FORGET.match(text))
