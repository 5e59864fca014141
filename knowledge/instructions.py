"""Text in the creator's material that talks to the AI instead of to the client ("ignore previous
instructions", "reveal your system prompt", forged <source> tags): never quoted by the embedded
composer and never handed to a model. Sources are data; these lines are not even that.

Narrow on purpose: coaching advice that uses the same verbs ("ignore the scale for a week",
"forget the old plan") is kept. Upload-time content is untrusted (a web page imported by URL, a
shared PDF), so this runs on every retrieved passage, not only at ingestion.
"""

from __future__ import annotations

import re
import unicodedata

_VERBS_EN = r"ignore|disregard|forget|override|bypass"
_VERBS_ES = r"ignora|ignorad|olvida|olvidad|omite|salta|anula"
_TARGETS = (
    r"(?:all |any |the |your |my |previous |prior |earlier |above |system |tus |las |los |todas |todos |"
    r"anteriores |previas |del sistema |de arriba )*"
    r"(?:instructions?|instrucciones|rules|reglas|prompts?|guidelines|directrices|system prompt|everything above)"
)
_REVEAL = r"reveal|print|show|list|output|repeat|tell me|give me|revela|imprime|muestra|escribe|dime|dame|lista|repite"
_SECRETS = (
    r"system prompt|your prompt|your instructions|hidden instructions|tus instrucciones|el prompt|"
    r"(?:other|all|every|previous)(?: \w+){0,2} (?:clients?|users?|customers?)|"
    r"(?:otros|demas|todos los)(?: \w+){0,2} (?:clientes|usuarios)|api keys?|passwords?|contrasenas?|tokens?"
)
INSTRUCTION = re.compile(
    rf"\b(?:{_VERBS_EN}|{_VERBS_ES})\b[^.!?\n]{{0,30}}\b{_TARGETS}\b"
    rf"|\b(?:{_REVEAL})\b[^.!?\n]{{0,40}}\b(?:{_SECRETS})\b"
    r"|\b(?:developer|dan|jailbreak|god) mode\b|\bmodo (?:desarrollador|dios)\b"
    r"|\byou are now\b|\bahora eres\b|\bact as (?:an? )?(?:ai|assistant|system|admin)\b"
    r"|^\s*(?:system|assistant|sistema)\s*:"
    r"|</?\s*(?:sources?|system|instructions?|prompt)\b",
    re.IGNORECASE | re.MULTILINE,
)
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def looks_like_instructions(sentence: str) -> bool:
    """The sentence addresses the AI (or forges the prompt's structure)."""
    return bool(INSTRUCTION.search(_plain(sentence)))


def without_instructions(text: str) -> str:
    """`text` without the sentences that address the AI; the rest kept in order."""
    if not INSTRUCTION.search(_plain(text)):
        return text
    kept = [part for part in SENTENCE.split(text) if part.strip() and not looks_like_instructions(part)]
    return "\n".join(kept)
