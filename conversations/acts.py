"""Conversational turns that are not questions for the knowledge base: greetings, thanks, goodbyes,
"what can you do?", yes / no after the coach's own question, "I don't understand", and asking for a
human. Recognised before retrieval (English and Spanish) so "hi" or "gracias" never gets "I don't
have anything about that in the material".

Recognition is deliberately narrow: a message is an act only when it is short and made of the act's
words (plus politeness and emoji); anything that also asks something goes to retrieval.
"""

from __future__ import annotations

import re
import unicodedata

ACTS = ("greeting", "thanks", "goodbye", "capabilities", "yes", "no", "not_understood", "human")
MAX_ACT_WORDS = 8


def plain_words(text: str) -> str:
    """Casefolded, accents and punctuation gone: how short replies are compared with phrase lists."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^\w\s']", " ", text)  # punctuation and emoji go
    return re.sub(r"\s+", " ", text).strip()


def _words(*phrases: str) -> str:
    return "|".join(sorted((re.escape(p) for p in phrases), key=len, reverse=True))


FILLER = _words(
    "coach", "please", "por favor", "pls", "so", "ok", "okay", "vale", "bueno", "well", "oh", "ah", "eh", "pues",
    "a lot", "mucho", "very much", "so much", "muchas", "mil", "de nuevo", "again", "too", "tambien", "you", "te",
    "guys", "chicos", "amigo", "amiga", "then", "entonces",
)  # fmt: skip

PATTERNS: dict[str, re.Pattern[str]] = {
    "greeting": _words(
        "hi", "hello", "hey", "hiya", "good morning", "good afternoon", "good evening", "morning", "hola",
        "buenas", "buenos dias", "buenas tardes", "buenas noches", "que tal", "hola que tal", "saludos", "hey there",
        "hi there", "hello there", "how are you", "como estas", "como va",
    ),
    "thanks": _words(
        "thanks", "thank you", "thx", "ty", "cheers", "gracias", "muchas gracias", "mil gracias", "thanks a lot",
        "great thanks", "perfect thanks", "genial gracias", "perfecto gracias", "super", "great", "perfect",
        "genial", "perfecto", "awesome", "cool", "nice", "got it", "entendido", "de acuerdo", "understood",
    ),
    "goodbye": _words(
        "bye", "goodbye", "bye bye", "see you", "see you later", "talk later", "good night", "adios", "hasta luego",
        "hasta manana", "nos vemos", "chao", "chau", "buenas noches hasta manana", "me voy", "see you tomorrow",
        "until tomorrow", "talk tomorrow", "talk to you tomorrow", "nos vemos manana", "hablamos manana",
    ),
    "capabilities": _words(
        "what can you do", "what do you do", "how can you help", "how can you help me", "what can i ask",
        "what can i ask you", "who are you", "what are you", "que puedes hacer", "que haces", "en que me puedes ayudar",
        "como me puedes ayudar", "que te puedo preguntar", "quien eres", "que eres", "help", "ayuda",
    ),
    "yes": _words(
        "yes", "yes please", "yeah", "yep", "sure", "of course", "ok", "okay", "si", "si por favor", "claro",
        "vale", "dale", "por supuesto", "sounds good", "me parece bien", "venga", "let's do it", "go ahead",
    ),
    "no": _words(
        "no", "no thanks", "no thank you", "nope", "not now", "maybe later", "no gracias", "ahora no",
        "quizas luego", "mejor no", "nah",
    ),
    "not_understood": _words(
        "i don't understand", "i dont understand", "what do you mean", "i don't get it", "i dont get it", "huh",
        "what", "no entiendo", "no lo entiendo", "que quieres decir", "como", "no te entiendo", "perdon",
        "sorry what", "can you explain", "me lo explicas",
    ),
    "human": _words(
        "talk to a human", "speak to a human", "talk to a person", "speak to a person", "real person", "a human",
        "human please", "can i talk to someone", "talk to someone", "talk to the coach", "talk to my coach",
        "hablar con una persona", "hablar con alguien", "quiero hablar con una persona", "una persona real",
        "persona real", "hablar con un humano", "un humano", "hablar con el coach", "hablar con mi coach",
        "hablar con el equipo", "talk to the team", "i want a human", "quiero un humano",
    ),
}  # fmt: skip
# One or more of the act's phrases ("bye, see you", "thanks, great"), with fillers around them.
COMPILED = {
    act: re.compile(rf"^(?:(?:{FILLER}) )*(?:{words})(?: (?:{words}|{FILLER}))*$") for act, words in PATTERNS.items()
}
# Asking for a human inside a longer message still counts ("I'd like to talk to a real person about my plan").
HUMAN_ANYWHERE = re.compile(
    r"\b(?:talk|speak|chat) (?:to|with) (?:a |an )?(?:real )?(?:human|person|someone from the team)\b"
    r"|\bhablar con (?:una persona|alguien del equipo|un humano|una persona real)\b"
)


def conversational_act(text: str) -> str | None:
    """The act a short message is, or None for anything to answer from the material. "yes" and
    "no" answer the coach's own question when it asked one (the caller knows); otherwise a bare
    "ok" or "sí" is an acknowledgement."""
    plain = plain_words(text)
    if not plain:
        return None
    if HUMAN_ANYWHERE.search(plain):
        return "human"
    if len(plain.split()) > MAX_ACT_WORDS:
        return None
    for act in ("human", "capabilities", "not_understood", "goodbye", "greeting", "thanks", "yes", "no"):
        if COMPILED[act].match(plain):
            return act
    return None


def asks_something(text: str) -> bool:
    """The coach's message ends with a question to the person."""
    return text.rstrip().endswith("?")
