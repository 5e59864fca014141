"""Reading a person's reply to a check-in question, in English or Spanish.

Pure Python (no models, no database): the check-in services call it with the reply's text and
store what it reads. It refuses (returns None) rather than guess: a wrong number in someone's
sleep or weight history is worse than one clarifying question.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from text_to_num import alpha2digit, text2num

ANSWER_TYPES = ("number", "scale", "yes_no", "text")


@dataclass(frozen=True)
class CheckInReading:
    value: float  # number; yes/no gives 1.0 / 0.0; scale gives 1..10; text gives 1.0 (answered)
    unit: str  # the check-in's unit (replies in another unit are converted into it), "" for scale/yes_no/text
    text: str = ""  # for answer_type "text": the person's words, trimmed


@dataclass(frozen=True)
class _Unit:
    dimension: str
    factor: float  # how many of the dimension's base unit one of this is


_HOUR = _Unit("time", 1.0)
_MINUTE = _Unit("time", 1 / 60)
_KILOGRAM = _Unit("mass", 1.0)
_KILOMETRE = _Unit("distance", 1.0)
_METRE = _Unit("distance", 0.001)

# Words (lowercase, accents kept where people type them) for the units a check-in may use or a
# person may answer in. Counted things (steps, glasses) are their own dimension: 6 glasses is
# never litres. "m" is minutes or metres depending on the check-in (see _unit_named).
_UNITS: dict[str, _Unit] = {
    **dict.fromkeys(("h", "hr", "hrs", "hs", "hour", "hours", "hora", "horas", "horita", "horitas"), _HOUR),
    **dict.fromkeys(
        ("min", "mins", "minute", "minutes", "minuto", "minutos", "minutitos", "minutines"),
        _MINUTE,
    ),
    **dict.fromkeys(("sec", "secs", "second", "seconds", "segundo", "segundos"), _Unit("time", 1 / 3600)),
    **dict.fromkeys(("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramo", "kilogramos"), _KILOGRAM),
    **dict.fromkeys(("g", "gr", "grs", "gram", "grams", "gramo", "gramos"), _Unit("mass", 0.001)),
    **dict.fromkeys(("lb", "lbs", "pound", "pounds", "libra", "libras"), _Unit("mass", 0.45359237)),
    **dict.fromkeys(("oz", "ounce", "ounces", "onza", "onzas"), _Unit("mass", 0.028349523125)),
    **dict.fromkeys(("st", "stone", "stones"), _Unit("mass", 6.35029318)),
    **dict.fromkeys(("km", "kms", "kilometer", "kilometers", "kilometre", "kilometres"), _KILOMETRE),
    **dict.fromkeys(("kilómetro", "kilómetros", "kilometro", "kilometros"), _KILOMETRE),
    **dict.fromkeys(("meter", "meters", "metre", "metres", "metro", "metros"), _METRE),
    **dict.fromkeys(
        ("cm", "centimeter", "centimeters", "centimetre", "centimetres", "centímetros"), _Unit("distance", 1e-5)
    ),
    **dict.fromkeys(("ft", "feet", "foot", "pies"), _Unit("distance", 0.0003048)),
    **dict.fromkeys(("mi", "mile", "miles", "milla", "millas"), _Unit("distance", 1.609344)),
    **dict.fromkeys(("l", "lt", "lts", "liter", "liters", "litre", "litres", "litro", "litros"), _Unit("volume", 1.0)),
    **dict.fromkeys(("ml", "milliliter", "milliliters", "mililitro", "mililitros"), _Unit("volume", 0.001)),
    **dict.fromkeys(("step", "steps", "paso", "pasos"), _Unit("steps", 1.0)),
    **dict.fromkeys(("glass", "glasses", "vaso", "vasos", "vasitos"), _Unit("glasses", 1.0)),
    **dict.fromkeys(("cup", "cups", "taza", "tazas"), _Unit("cups", 1.0)),
    **dict.fromkeys(("time", "times", "vez", "veces", "x"), _Unit("times", 1.0)),
    **dict.fromkeys(("point", "points", "punto", "puntos", "pts"), _Unit("points", 1.0)),
    # Known so that they are never taken for the check-in's unit: "8 hours, 2 naps" is 8 hours.
    **{
        word: _Unit(dimension, 1.0)
        for dimension, words in {
            "days": ("day", "days", "día", "días", "dia", "dias"),
            "nights": ("night", "nights", "noche", "noches"),
            "weeks": ("week", "weeks", "semana", "semanas"),
            "calories": ("cal", "kcal", "calorie", "calories", "caloría", "calorías", "calorias"),
            "reps": ("rep", "reps", "repetición", "repeticiones", "set", "sets", "serie", "series"),
            "pages": ("page", "pages", "página", "páginas", "paginas"),
            "naps": ("nap", "naps", "siesta", "siestas"),
            "coffees": ("coffee", "coffees", "café", "cafés", "cafes"),
            "drinks": ("drink", "drinks", "beer", "beers", "copa", "copas", "cerveza", "cervezas"),
            "cigarettes": ("cigarette", "cigarettes", "cigarro", "cigarros", "cigarrillo", "cigarrillos"),
        }.items()
        for word in words
    },
}

# Said instead of an answer: the caller asks again rather than read anything into it.
_UNSURE = re.compile(
    r"\b(?:i\s+)?(?:don'?t|do\s+not|dont)\s+(?:know|remember)|\bdunno\b|\bidk\b|\bnot\s+sure\b|\bno\s+idea\b"
    r"|\bno\s+clue\b|\bcan'?t\s+remember\b|\bmaybe\b|\bperhaps\b|\bwho\s+knows\b"
    r"|^(?:wait|hold\s+on|one\s+sec|just\s+a\s+sec(?:ond)?)\b|\b(?:tell\s+you|let\s+you\s+know)\s+later\b"
    r"|\bno\s+s[eé]\b|\bni\s+idea\b|\bno\s+(?:me\s+)?(?:acuerdo|recuerdo)\b|\bquiz[aá]s?\b|\btal\s+vez\b"
    r"|\ba\s+lo\s+mejor\b|^espera\b|\bun\s+(?:momento|segundo)\b|\b(?:luego|despu[eé]s|ahora)\s+te\s+digo\b"
)
# A number said as a bound or with an unknown remainder is not a value.
_NOT_EXACT = re.compile(
    r"\by\s+pico\b|\band\s+something\b|\bat\s+least\b|\bat\s+most\b|\b(?:al|por\s+lo)\s+menos\b"
    r"|\b(?:more|less|fewer)\s+than\b|\b(?:over|under)\s+\d|\bm[aá]s\s+de\s+\d|\bmenos\s+de\s+\d|\d\s*\+"
    r"|\bup\s+to\b|\bhasta\b|\ba\s+couple\b|\bun\s+par\b|\bseveral\b|\bvarias\b|\bvarios\b|\by\s+algo\b"
    r"|\balmost\b|\bnearly\b|\bcasi\b"
    # a change, not the value: "down 2 kg", "bajé 2 kilos", "+1"
    r"|\b(?:lost|gained|dropped|put\s+on)\b|\b(?:down|up)\s+\d|(?:^|\s)[+-]\s*\d"
    r"|\b(?:baj[eé]|sub[ií]|perd[ií]|gan[eé]|engord[eé]|adelgac[eé])\b"
)
_ZERO_WORDS = frozenset({"none", "nothing", "nada", "ninguna", "ninguno", "ningún", "ningun", "nil", "zero", "cero"})
_POINTS = frozenset(word for word, unit in _UNITS.items() if unit.dimension == "points")
_CLOCK_BEFORE = frozenset({"at", "las", "la", "@"})
_CLOCK_AFTER = frozenset({"am", "pm"})
_FRACTIONS = {"half": 0.5, "media": 0.5, "medio": 0.5, "quarter": 0.25}
# Spanish number words people write without their accent, which text2num only knows with it.
_ACCENTS = {"veintidos": "veintidós", "veintitres": "veintitrés", "veintiseis": "veintiséis"}

_QUESTION_START = re.compile(
    r"^(?:what(?!\s+an?\b)|what's|whats|how\s+(?:many|much|do|does|can|should|long|often|is|are)|why|when|where"
    r"|which|should\s+i|can\s+i|could\s+i|do\s+i|does|is\s+it|is\s+that|are\s+there"
    r"|qu[eé]\s+(?:debo|puedo|como|hago|tomo|bebo|me)|c[oó]mo\s+(?:hago|puedo|debo|s[eé])|cu[aá]nt[oa]s?"
    r"|cu[aá]ndo\s+(?:debo|tengo|es)|d[oó]nde\s+(?:puedo|debo)|por\s+qu[eé]|cu[aá]l(?:es)?\s+(?:es|son)"
    r"|deber[ií]a)\b",
)
_QUESTION_WORD = re.compile(
    r"\b(?:what|how|why|when|where|which|who|should|can|could|do|does|did|is|are|will|would)\b"
    r"|\b(?:qu[eé]|c[oó]mo|cu[aá]nt[oa]s?|cu[aá]ndo|d[oó]nde|por\s*qu[eé]|cu[aá]l|qui[eé]n|debo|deber[ií]a"
    r"|puedo|es|est[aá]|vale|sirve|cuenta)\b"
)


def looks_like_question(text: str) -> bool:
    """A real question asked while a check-in waits ("what should I eat before a run?", "¿cuánta agua bebo?")
    is answered, not taken as the answer. A bare "7?" is an unsure answer, not a question."""
    lowered = " ".join(text.lower().split())
    if not lowered:
        return False
    if _QUESTION_START.match(lowered):
        return True
    if "?" not in lowered and "¿" not in lowered:
        return False
    return "¿" in lowered or len(re.findall(r"[^\W\d_]+", lowered)) >= 3 or bool(_QUESTION_WORD.search(lowered))


def checkin_answer_read(text: str, *, answer_type: str, unit: str = "", language: str = "en") -> CheckInReading | None:
    """None when the reply cannot be read with confidence (the caller asks once to clarify): never a wrong number."""
    if answer_type not in ANSWER_TYPES:
        raise ValueError(f"unknown check-in answer type {answer_type!r}")
    words = text.strip()
    if not words or looks_like_question(words):
        return None
    lowered = " ".join(unicodedata.normalize("NFC", words).lower().replace("’", "'").split())
    if _UNSURE.search(lowered):
        return None
    if answer_type == "text":
        return CheckInReading(value=1.0, unit="", text=words)
    if "?" in lowered or "¿" in lowered:
        return None
    if answer_type == "yes_no":
        answer = _yes_or_no(lowered)
        return None if answer is None else CheckInReading(value=answer, unit="")
    if _NOT_EXACT.search(lowered):
        return None
    try:
        if answer_type == "scale":
            value = _scale_value(lowered, language)
            return None if value is None else CheckInReading(value=value, unit="")
        value = _number_value(lowered, language, unit)
    except ValueError:  # a number that is not one ("1.2.3")
        return None
    return None if value is None else CheckInReading(value=value, unit=unit)


# Yes / no ---------------------------------------------------------------------------------------

# Longest phrases first: "claro que no" is a no, "not yet" is not a "yet".
_NO_PHRASES = (
    r"claro\s+que\s+no|por\s+supuesto\s+que\s+no|of\s+course\s+not|not\s+today|not\s+yet|not\s+really"
    r"|no\s+way|todav[ií]a\s+no|a[uú]n\s+no|hoy\s+no|para\s+nada|no\s+pude|no\s+lo\s+hice|i\s+didn'?t"
    r"|did\s+not|have\s+not|\w+n't|didnt|dont|cant|couldnt|wasnt|havent|hadnt|wont|not|never"
    r"|nope|nah|nop|nel|negative|skipped|tampoco|nada"
    r"|no+|❌|👎|🚫|✖️|✖"
)
_YES_PHRASES = (
    r"claro\s+que\s+s[ií]|por\s+supuesto|of\s+course|yes\s+i\s+did|sure\s+did|i\s+did|did\s+it|i\s+have|lo\s+hice"
    r"|yes+|yeah|yea|yep|yup|ya|ye|yass+|sure|definitely|absolutely|totally|indeed|ofc|done|affirmative"
    r"|s[ií]p|sep|s[ií]i+|sí+|simón|claro+|obvio|hecho|listo|aj[aá]|efectivamente|desde\s+luego|afirmativo"
    r"|👍|✅|✔️|✔|👌|🙌"
)
_SIGNAL = re.compile(rf"(?<![\w'])(?:(?P<no>{_NO_PHRASES})|(?P<yes>{_YES_PHRASES}))(?![\w'])")
_HEDGE = re.compile(
    r"\b(?:kind\s+of|kinda|sort\s+of|sorta|more\s+or\s+less|partly|ish|depends"
    r"|m[aá]s\s+o\s+menos|a\s+medias|medio|depende|algo\s+as[ií])\b"
)
# "si" without its accent is also "if" ("si tengo tiempo"): a yes only alone or before a past action.
_BARE_SI = re.compile(
    r"(?<![\w'])si(?:(?=\s*(?:[^\w\s]|$))|\s+(?=(?:si|sí|claro|lo|señor|señora|ya|hice|fui|pude|camin[eé]|sal[ií]"
    r"|corr[ií]|dorm[ií]|tom[eé]|com[ií]|entren[eé]|medit[eé]|hecho|obvio)\b))"
)


def _yes_or_no(lowered: str) -> float | None:
    """1.0 or 0.0 when every yes/no signal in the reply agrees; None when there is none, they
    conflict ("no, but yes") or the reply hedges ("kind of", "más o menos")."""
    if _HEDGE.search(lowered):
        return None
    found = set()
    for match in _SIGNAL.finditer(lowered):
        found.add("no" if match.group("no") else "yes")
    if _BARE_SI.search(lowered):
        found.add("yes")
    if len(found) != 1:
        return None
    return 1.0 if found == {"yes"} else 0.0


# Numbers ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Quantity:
    value: float
    unit: _Unit | None
    unit_word: str = ""
    out_of: float | None = None  # "8/10", "ocho de diez", "8 out of 10"
    clock: bool = False  # "at 7", "a las 11", "7am": a time of day, never the answer
    ordinal: bool = False  # "3rd", "2ª"


def _scale_value(lowered: str, language: str) -> float | None:
    """A value from 1 to 10; a fraction only out of 10 (a "4/5" is not silently rescaled)."""
    quantities = _quantities(lowered, language, target=None)
    candidates = [q for q in quantities if not (q.clock or q.ordinal) and (q.unit is None or q.unit_word in _POINTS)]
    if not candidates or any(q.out_of not in (None, 10) for q in candidates):
        return None
    value = _agreed([q.value for q in candidates])
    if value is None or not 1 <= value <= 10:
        return None
    return value


def _number_value(lowered: str, language: str, unit: str) -> float | None:
    """The one value the reply gives in the check-in's unit (converted), or None when it gives
    none, several, or only values in a unit that does not convert."""
    # A check-in counted in "m" is metres: minutes are configured as "min".
    target = _METRE if unit.strip() == "m" else _unit_named(unit.lower().strip(), None)
    quantities = [q for q in _quantities(lowered, language, target) if not (q.clock or q.ordinal)]
    if not quantities:
        tokens = re.findall(r"[^\W\d_]+", lowered)
        # "none", "ninguna": zero, but only as a short answer and never for a weight.
        weighable = target is not None and target.dimension == "mass"
        if not weighable and any(token in _ZERO_WORDS for token in tokens) and len(tokens) <= 4:
            return 0.0
        return None
    values = []
    for quantity in quantities:
        if quantity.out_of is not None:
            return None
        converted = _converted(quantity, target, unit)
        if converted is not None:
            values.append(converted)
    value = _agreed(values)
    return None if value is None else round(value, 6)


def _converted(quantity: _Quantity, target: _Unit | None, unit: str) -> float | None:
    """The quantity in the check-in's unit; None when its unit cannot become that one."""
    if quantity.unit is None:
        return quantity.value
    if target is None:
        # A check-in counted in its own words ("pages", "cigarettes"): only those words or none.
        return quantity.value if quantity.unit_word == unit.lower().strip() else None
    if quantity.unit.dimension != target.dimension:
        return None
    return quantity.value * quantity.unit.factor / target.factor


def _agreed(values: list[float]) -> float | None:
    if not values or max(values) - min(values) > 1e-9:
        return None
    return values[0]


def _unit_named(word: str, target: _Unit | None) -> _Unit | None:
    if word == "m":  # "7h 30m" is minutes; "800 m" for a distance check-in is metres
        return _METRE if target is not None and target.dimension == "distance" else _MINUTE
    if word == "k":
        return _KILOMETRE if target is not None and target.dimension == "distance" else None
    return _UNITS.get(word)


_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+|[/:+]")
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th|º|ª|°|ᵒ|ᵃ|er|ero|era|do|da|to|ta|vo|va|mo|ma|no|na)\b")
_HALF_BEFORE_UNIT = re.compile(r"(?<!\band\sa\s)(?<!\band\s)(?<!\by\s)\b(?:half\s+an?|half|media|medio)\s+([^\W\d_]+)")
_ONE_UNIT = re.compile(r"\b(?:an?|una?)\s+(hour|hr|hora|kilo|litro|liter|litre|mile|milla)\b")


def _digits(lowered: str, language: str) -> str:
    """The reply with number words turned into digits by text2num, plus the idioms it leaves
    alone: "half an hour", "un 8" (an article, not a one), "cuarto" (a quarter, not fourth)."""
    text = lowered.replace("½", " 1/2").replace("¼", " 1/4").replace("¾", " 3/4")
    text = re.sub(r"\bcuartos?\b", "quarter", text)
    text = re.sub(r"\bun[oa]s\b", "", text)  # "unas 8 horas" is about eight, not one and eight
    text = re.sub(r"(\d+)\s*mil\b", lambda m: str(int(m.group(1)) * 1000), text)
    text = re.sub(r"\b(\w+)\b", lambda m: _ACCENTS.get(m.group(1), m.group(1)), text)
    text = _HALF_BEFORE_UNIT.sub(lambda m: f"0.5 {m.group(1)}" if m.group(1) in _UNITS else m.group(0), text)
    text = _ONE_UNIT.sub(r"1 \1", text)
    text = re.sub(
        r"\b(?:una?|an?)\s+(?=(\w+))", lambda m: "" if _is_number_word(m.group(1), language) else m.group(0), text
    )
    lang = "es" if language.startswith("es") else "en"
    return alpha2digit(text, lang, threshold=0)


def _is_number_word(word: str, language: str) -> bool:
    if word.isdigit():
        return True
    try:
        text2num(word, "es" if language.startswith("es") else "en")
    except ValueError:
        return False
    return word not in {"un", "una", "uno", "one"}


def _number(token: str, language: str) -> float:
    """'7,5' and '7.5' are seven and a half; '1,500' (English) and '1.500' (Spanish) are thousands."""
    thousands, decimal = (".", ",") if language.startswith("es") else (",", ".")
    if re.fullmatch(rf"\d{{1,3}}(?:\{thousands}\d{{3}})+", token):
        return float(token.replace(thousands, ""))
    if token.count(",") + token.count(".") > 1:
        raise ValueError(token)
    return float(token.replace(decimal, ".").replace(",", "."))


def _quantities(lowered: str, language: str, target: _Unit | None) -> list[_Quantity]:
    """Every number the reply states, with what is attached to it: a unit, a half or a quarter,
    minutes after hours, a denominator, whether it is a time of day or an ordinal."""
    text = _digits(lowered, language)
    ordinals = {match.start() for match in _ORDINAL.finditer(text)}
    matches = list(_TOKEN.finditer(text))
    tokens = [match.group(0) for match in matches]
    quantities = []
    i = 0
    while i < len(tokens):
        if not tokens[i][0].isdigit():
            if tokens[i] in _FRACTIONS or tokens[i] == "quarters":
                raise ValueError(tokens[i])  # a half that belongs to no number ("7 hrs n a half")
            i += 1
            continue
        value = _number(tokens[i], language)
        ordinal = matches[i].start() in ordinals
        clock = i > 0 and tokens[i - 1] in _CLOCK_BEFORE and value.is_integer() and value <= 24
        j = i + 1
        if j < len(tokens) and tokens[j] in ("half", "quarter", "quarters"):
            raise ValueError(tokens[j])  # "tres cuartos de hora": refused, not read as three
        if j + 1 < len(tokens) and tokens[j] == ":" and (clock or target is None or target.dimension != "time"):
            j, clock = j + 2, True  # "at 7:30", or a time where no duration is asked
        value, j = _plus_fraction(tokens, j, value)
        unit, unit_word = None, ""
        if j < len(tokens) and not ordinal and (found := _unit_named(tokens[j], target)) is not None:
            unit, unit_word = found, tokens[j]
            j += 1
        elif j < len(tokens) and tokens[j] in ("k", "mil"):
            value, j = value * 1000, j + 1
            if j < len(tokens) and (found := _unit_named(tokens[j], target)) is not None:
                unit, unit_word, j = found, tokens[j], j + 1
        if j < len(tokens) and tokens[j] in _CLOCK_AFTER:
            clock = True
        value, j = _plus_fraction(tokens, j, value)
        if unit is _HOUR or (unit is None and target is not None and target.dimension == "time"):
            value, unit, unit_word, j = _plus_minutes(tokens, j, value, unit, unit_word, clock)
        elif unit is not None:
            value, j = _plus_smaller_unit(tokens, j, value, unit, target, language)
        out_of, j = _denominator(tokens, j, language)
        quantities.append(_Quantity(value, unit, unit_word, out_of, clock, ordinal))
        i = j
    return quantities


def _plus_fraction(tokens: list[str], j: int, value: float) -> tuple[float, int]:
    """'7 y media', '7 and a half', '8 y cuarto', '2 and three quarters', '7 1/2'."""
    rest = tokens[j : j + 4]
    if len(rest) >= 2 and rest[0] in ("y", "and"):
        k = 2 if rest[1] == "a" else 1
        if k < len(rest) and rest[k] in _FRACTIONS:
            return value + _FRACTIONS[rest[k]], j + k + 1
        if len(rest) >= 3 and rest[1] in ("3", "three") and rest[2] in ("quarter", "quarters"):
            return value + 0.75, j + 3
    if len(rest) >= 3 and (rest[0], rest[1], rest[2]) in (("1", "/", "2"), ("1", "/", "4"), ("3", "/", "4")):
        return value + int(rest[0]) / int(rest[2]), j + 3
    return value, j


def _plus_minutes(
    tokens: list[str], j: int, value: float, unit: _Unit | None, unit_word: str, clock: bool
) -> tuple[float, _Unit | None, str, int]:
    """'7h30', '7:30', '7 horas y 30 minutos', '7 hours 45 min' are hours and minutes; '7:30'
    only when it is not a time of day ("at 7:30")."""
    rest = tokens[j : j + 3]
    if unit is None and len(rest) >= 2 and rest[0] == ":" and re.fullmatch(r"\d\d", rest[1]) and not clock:
        return value + int(rest[1]) / 60, _HOUR, "h", j + 2
    if unit is not _HOUR:
        return value, unit, unit_word, j
    k = 1 if rest and rest[0] in ("y", "and") else 0
    if len(rest) <= k or not re.fullmatch(r"\d{1,2}", rest[k]) or int(rest[k]) >= 60:
        return value, unit, unit_word, j
    minutes = int(rest[k]) / 60
    if len(rest) > k + 1 and _unit_named(rest[k + 1], _HOUR) is _MINUTE:
        return value + minutes, unit, unit_word, j + k + 2
    if k == 0 and unit_word == "h" and len(rest[0]) == 2:  # "7h30", "7 h 05"
        return value + minutes, unit, unit_word, j + 1
    return value, unit, unit_word, j


def _plus_smaller_unit(
    tokens: list[str], j: int, value: float, unit: _Unit, target: _Unit | None, language: str
) -> tuple[float, int]:
    """'1 kg 200 g', '2 km y 500 metros': a smaller unit of the same kind adds to the larger."""
    rest = tokens[j : j + 3]
    k = 1 if rest and rest[0] in ("y", "and") else 0
    if len(rest) > k + 1 and rest[k][0].isdigit():
        smaller = _unit_named(rest[k + 1], target)
        if smaller is not None and smaller.dimension == unit.dimension:
            extra = _number(rest[k], language) * smaller.factor / unit.factor
            if extra < 1:  # "1 kg 200 g" adds; "72.5 kg (160 lb)" is the same weight twice
                return value + extra, j + k + 2
    return value, j


def _denominator(tokens: list[str], j: int, language: str) -> tuple[float | None, int]:
    rest = tokens[j : j + 3]
    if len(rest) >= 2 and rest[0] in ("/", "de", "sobre", "of") and rest[1][0].isdigit():
        return _number(rest[1], language), j + 2
    if len(rest) >= 3 and rest[:2] == ["out", "of"] and rest[2][0].isdigit():
        return _number(rest[2], language), j + 3
    return None, j
