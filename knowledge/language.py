"""Which language a message is in. English and Spanish are told apart by their commonest words."""

from __future__ import annotations

import re

WORD = re.compile(r"[a-záéíóúüñ]+", re.IGNORECASE)
SPANISH = frozenset(
    "el la los las un una unos unas de del que y en es por para con no se lo le me mi mis tu tus su sus "
    "como cuando donde qué cómo cuánto cuántos cuántas cuál quién porque pero muy más mucho poco hay "
    "estoy estás está están soy eres somos tengo tienes tiene debo puedo quiero necesito hacer hago "
    "día días semana noche horas agua comer dormir entrenar hola gracias sí también ya yo".split()
)
ENGLISH = frozenset(
    "the a an of and to in is are was were be been for with on at by from that this these those it "
    "i you he she we they my your his her our their what how when where which who why do does did "
    "can could should would will have has had not no yes more much many some any day week night "
    "hours water eat sleep train hello thanks please want need".split()
)


def detect_language(text: str, default: str = "en") -> str:
    """'es' or 'en'. Marks like ¿ ¡ ñ count double; a tie keeps the default."""
    words = [word.lower() for word in WORD.findall(text)]
    spanish = sum(word in SPANISH for word in words) + 2 * sum(ch in "¿¡ñ" for ch in text.lower())
    spanish += sum(1 for word in words if any(ch in word for ch in "áéíóú"))
    english = sum(word in ENGLISH for word in words)
    if spanish > english:
        return "es"
    if english > spanish:
        return "en"
    return default
