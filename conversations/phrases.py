"""The coach's own words for conversational turns and safety, per language, with the creator's
overrides from the persona (`Persona.phrases`, `Persona.safety_message`).

Kept as data, not gettext: the creator edits them per language in the persona, and the defaults
here are what a new coach says until they do.
"""

from __future__ import annotations

from conversations.models import Persona

PHRASE_KEYS = (
    "greeting", "thanks", "sign_off", "capabilities", "unknown", "not_understood", "offer", "declined", "human",
)  # fmt: skip
DEFAULTS: dict[str, dict[str, str]] = {
    "en": {
        "greeting": "Hi! I'm {coach}, your coach. What would you like to work on today?",
        "thanks": "You're welcome! Tell me whenever there's something else you'd like to work on.",
        "sign_off": "Take care — I'm here whenever you need me.",
        "capabilities": (
            "I'm {coach}. I answer from the material I coach with, remember what you tell me about your goals, "
            "and can check in with you. Ask me anything about your plan, or tell me what you'd like to work on."
        ),
        "unknown": (
            "I don't have anything about that in the material I coach from, so I won't guess. "
            "Could you ask it another way, or tell me more about what you need?"
        ),
        "not_understood": "Sorry, I wasn't clear. Could you tell me in other words what you'd like to know?",
        "offer": "Great — tell me what you'd like to work on.",
        "declined": "No problem. I'm here whenever you need me.",
        "human": "I've let the team know you'd like to talk to a person; someone will reply here soon.",
        "safety": (
            "I'm really sorry you're going through this. Your safety comes first: if you are in danger or "
            "might hurt yourself, call your local emergency number now (112 in Europe, 911 in the US and "
            "Mexico) or go to the nearest emergency room. I've let the team know, and a person will reply "
            "here as soon as possible."
        ),
    },
    "es": {
        "greeting": "¡Hola! Soy {coach}, tu coach. ¿En qué te gustaría trabajar hoy?",
        "thanks": "¡De nada! Cuando quieras trabajar en otra cosa, aquí estoy.",
        "sign_off": "Cuídate. Aquí estaré cuando me necesites.",
        "capabilities": (
            "Soy {coach}. Respondo con el material con el que te acompaño, recuerdo lo que me cuentas de tus "
            "objetivos y puedo hacerte seguimiento. Pregúntame lo que quieras de tu plan o dime en qué quieres "
            "trabajar."
        ),
        "unknown": (
            "No tengo nada sobre eso en el material con el que te acompaño, así que prefiero no "
            "adivinar. ¿Puedes preguntarlo de otra forma o contarme un poco más?"
        ),
        "not_understood": "Perdona, no me expliqué bien. ¿Me dices con otras palabras qué quieres saber?",
        "offer": "¡Genial! Cuéntame en qué quieres trabajar.",
        "declined": "Sin problema. Aquí estoy cuando me necesites.",
        "human": "He avisado al equipo de que quieres hablar con una persona; alguien te responderá aquí pronto.",
        "safety": (
            "Siento mucho que estés pasando por esto. Tu seguridad es lo primero: si estás en peligro o "
            "podrías hacerte daño, llama ahora al número de emergencias de tu país (112 en Europa, 911 en "
            "México y EE. UU.) o ve a urgencias. He avisado al equipo y una persona te responderá aquí lo "
            "antes posible."
        ),
    },
}


def phrase(persona: Persona, key: str, language: str) -> str:
    """The creator's wording for `key` in `language` if they wrote one, else the default."""
    language = language if language in DEFAULTS else "en"
    own = (persona.phrases or {}).get(language) or {}
    text = own.get(key) if isinstance(own, dict) else None
    if key == "greeting" and not text and language == _persona_language(persona):
        text = persona.greeting  # the greeting the creator already set, in the language they wrote it in
    if key == "safety" and persona.safety_message.strip():
        text = persona.safety_message.strip()
    text = text if isinstance(text, str) and text.strip() else DEFAULTS[language][key]
    return text.replace("{coach}", persona.coach_name)


def _persona_language(persona: Persona) -> str:
    from knowledge.language import detect_language

    return detect_language(persona.greeting, default="en")
