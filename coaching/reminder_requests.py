"""Reminders people ask the coach for in their own words, read without the database.

"Remind me tomorrow at 8 to walk" and "recuérdame el lunes a las 7 que tengo que pesarme" arrive on
WhatsApp, Telegram and the web. A small grammar of our own reads the phrasings people actually type,
because dateparser misreads several of them on its own: "tomorrow at 8" comes back at the base hour,
"a las 7" as the 7th of the month, "lunes a las 7" as 9 July, "tonight at 9" as 09:00, "on 14 December"
as 9 December next year, and "remind me at 7" not at all. dateparser reads only what the grammar
leaves ("next week"), and even then only when the words it matched look like a time. Times are built
in the person's own timezone with zoneinfo, so a reminder across a DST change lands on the wall-clock
hour they said.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.translation import gettext, ngettext

# Further ahead than this is more likely a misreading than a plan.
MAX_AHEAD = timedelta(days=365)


@dataclass(frozen=True)
class ReminderRequest:
    what: str  # in the person's words, without the ask and the time ("walk", "pesarme")
    due_at: datetime  # aware, UTC


@dataclass(frozen=True)
class ReminderCommand:
    action: str  # "list" or "cancel"
    which: int | None  # 1-based number the person named, or None ("cancel my reminders", "the last one")


# --- Words --------------------------------------------------------------------------------------
# Everything is matched on a folded copy of the text (lower case, no accents, same length), so a span
# found there cuts the same characters out of what the person wrote.

_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60, "a couple of": 2,
    "un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
    "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "quince": 15, "veinte": 20,
    "treinta": 30, "cuarenta": 40, "cuarenta y cinco": 45, "cincuenta": 50, "sesenta": 60, "un par de": 2,
}  # fmt: skip
_HOUR_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5,
    "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12,
}  # fmt: skip
_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "lunes": 0, "martes": 1, "miercoles": 2, "jueves": 3, "viernes": 4, "sabado": 5, "domingo": 6,
}  # fmt: skip
_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12, "jan": 1, "feb": 2, "mar": 3,
    "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
    "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
}  # fmt: skip
# When only a part of the day is said ("tomorrow morning", "esta noche").
_PART_HOURS = {"morning": 9, "afternoon": 16, "evening": 19, "night": 21}
_PARTS = {
    "morning": "morning", "afternoon": "afternoon", "evening": "evening", "night": "night",
    "tonight": "night", "manana": "morning", "madrugada": "morning", "tarde": "afternoon",
    "noche": "night",
}  # fmt: skip


def _alternatives(words: dict[str, int] | dict[str, str]) -> str:
    """A regex alternation, longest first, so "forty-five" wins over "forty"."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


def _first(groups: dict[str, str | None], *names: str) -> str | None:
    """The first of several groups that matched: one reader serves the English and Spanish spellings."""
    return next((groups[name] for name in names if groups.get(name) is not None), None)


def _fold(text: str) -> str:
    """Lower case without accents, one character for one, so spans here cut the original too."""
    folded = []
    for char in text:
        base = unicodedata.normalize("NFD", char)[0].lower()
        folded.append(base if len(base) == 1 else char)
    return "".join(folded)


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


_NUM = rf"(?P<n>\d{{1,3}}|{_alternatives(_NUMBERS)})"
_HOUR = rf"(?P<h>\d{{1,2}}|{_alternatives(_HOUR_WORDS)})"
_MERIDIEM = r"(?:\s*(?P<ap>a\.?\s?m\.?|p\.?\s?m\.?)(?!\w))"
_AT = r"(?:(?:at|by|around)\s+|@\s*|(?:a|sobre)\s+las?\s+)"
# "at 7 in the evening", "at 9 tonight", "a las 7 de la tarde", "a las 19h".
_AFTER_HOUR = (
    r"(?:\s+(?:o'?clock|in\s+the\s+(?P<part_en>morning|afternoon|evening)|at\s+(?P<night_en>night)|(?P<tonight>tonight)))?"
    r"(?:\s*h(?:rs?|s)?\b)?(?:\s+(?:de|por|en)\s+la\s+(?P<part_es>manana|madrugada|tarde|noche))?"
)
# Not a clock time: "around 5 km", "at 3 times a day".
_NOT_UNITS = (
    r"(?!\s*(?:km|kms|k|kg|kilos?|miles?|mins?|minutes?|minutos?|hours?|horas?|%|times|veces|reps|laps"
    r"|pills?|pastillas?)\b)"
)
_PART_EN = r"(?P<part>morning|afternoon|evening|night)"


@dataclass
class _When:
    """What the grammar found so far; the spans say what to cut out of the person's words."""

    spans: list[tuple[int, int]] = field(default_factory=list)
    delta: timedelta | None = None  # minutes or hours from now
    days: int | None = None  # today 0, tomorrow 1, "in 3 days" 3
    days_relative: bool = False  # "in 3 days" keeps the clock time when no other is said
    weekday: int | None = None
    weekday_strictly_after_today: bool = False  # "next Monday"
    month_day: tuple[int, int] | None = None
    hour: int | None = None
    minute: int = 0
    meridiem: str | None = None  # "am" or "pm"
    part: str | None = None  # morning, afternoon, evening, night


def _read_half(g: dict[str, str | None], when: _When) -> bool:
    return _read_delta(when, timedelta(minutes=90 if _first(g, "and_half", "and_half_es") else 30))


def _read_delta(when: _When, delta: timedelta) -> bool:
    if when.delta is not None or delta <= timedelta(0):
        return False
    when.delta = delta
    return True


def _read_relative(g: dict[str, str | None], when: _When) -> bool:
    amount, unit = _number(_first(g, "n", "n2") or ""), (_first(g, "unit", "unit2") or "")[0]
    if unit == "m":
        return _read_delta(when, timedelta(minutes=amount))
    if unit == "h":
        return _read_delta(when, timedelta(minutes=amount * 60 + (30 if g.get("and_half") else 0)))
    if when.days is not None or amount == 0:
        return False
    when.days, when.days_relative = amount * (7 if unit in "ws" else 1), True
    return True


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS[word]


def _read_clock(g: dict[str, str | None], when: _When) -> bool:
    if when.hour is not None:
        return False
    word = g.get("h")
    if word is None:
        hour, minute = (0, 0) if _first(g, "midnight", "midnight_es") else (12, 0)
    else:
        hour = int(word) if word.isdigit() else _HOUR_WORDS[word]
        minute = int(g.get("m") or 0)
        if g.get("past"):
            minute = 30 if g["past"] == "half" else 15
        if g.get("frac"):
            minute = {"media": 30, "cuarto": 15}.get(g["frac"]) or int(g["frac"])
        if g.get("minus"):
            hour, minute = hour - 1, 60 - ({"cuarto": 15}.get(g["minus"]) or int(g["minus"]))
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return False
    if g.get("ap"):
        if hour == 0 or hour > 12:
            return False
        when.meridiem = "pm" if g["ap"].startswith("p") else "am"
    part = _first(g, "part_en", "part_es", "night_en", "tonight")
    if part:
        when.part = _PARTS[part]
    if g.get("tonight") and when.days is None:
        when.days = 0
    when.hour, when.minute = hour, minute
    return True


def _read_part(g: dict[str, str | None], when: _When) -> bool:
    if _first(g, "this", "tonight", "esta"):
        if when.days is not None:
            return False
        when.days = 0
    when.part = _PARTS[_first(g, "part", "tonight", "part_es", "part_es2") or "night"]
    return True


def _read_day(g: dict[str, str | None], when: _When) -> bool:
    if when.days is not None:
        return False
    day = _first(g, "day", "day_es") or ""
    when.days = {"today": 0, "hoy": 0, "tomorrow": 1, "manana": 1}.get(day, 2)
    if g.get("part"):
        when.part = _PARTS[g["part"]]
    return True


def _read_weekday(g: dict[str, str | None], when: _When) -> bool:
    if when.weekday is not None:
        return False
    when.weekday = _WEEKDAYS[_first(g, "wd", "wd_es") or ""]
    when.weekday_strictly_after_today = bool(_first(g, "next", "next_es", "next_es2"))
    if g.get("part"):
        when.part = _PARTS[g["part"]]
    return True


def _read_date(g: dict[str, str | None], when: _When) -> bool:
    if when.month_day is not None:
        return False
    when.month_day = (_MONTHS[_first(g, "mon", "mon2", "mon3") or ""], int(_first(g, "d", "d2", "d3") or 0))
    return True


# Each reader fills `_When` from a match's groups, or says False when the words are not a time after
# all (hour 27, a second clock time), so they stay in `what`. Order matters: each match blanks its
# words before the next pattern looks, so "9:30" is not read again as "at 9", and "por la mañana" is
# gone before its "mañana" could be read as tomorrow.
_GRAMMAR: list[tuple[re.Pattern[str], Callable[[dict[str, str | None], _When], bool]]] = [
    (re.compile(
        r"\b(?:in|within)\s+(?:(?P<and_half>an?\s+hour\s+and\s+a\s+)half|half\s+an)(?:\s+hour)?\b"
        r"|\b(?:en|dentro\s+de)\s+(?:(?P<and_half_es>(?:una\s+)?hora\s+y\s+)media|media\s+hora)\b"
    ), _read_half),
    (re.compile(
        rf"\b(?:in|within)\s+(?:about\s+|another\s+)?{_NUM}(?:\s*|-)(?P<unit>minutes?|mins?|m|hours?|hrs?|h|days?|weeks?)"
        r"(?P<and_half>\s+and\s+a\s+half)?\b(?:\s+from\s+now)?"
        rf"|\b{_NUM.replace('<n>', '<n2>')}\s*(?P<unit2>minutes?|mins?|hours?|hrs?|days?|weeks?)\s+from\s+now\b"
    ), _read_relative),
    (re.compile(
        rf"\b(?:en|dentro\s+de)\s+(?:unos\s+|unas\s+|otros\s+|otras\s+)?{_NUM}\s*"
        r"(?P<unit>minutos?|mins?|m|horas?|hrs?|h|dias?|semanas?)(?P<and_half>\s+y\s+media)?\b"
    ), _read_relative),
    (re.compile(rf"(?:\b{_AT}|\b)(?P<h>\d{{1,2}})(?::|h)(?P<m>\d{{2}})\b{_MERIDIEM}?{_AFTER_HOUR}"), _read_clock),
    (re.compile(rf"\b{_AT}(?P<h>\d{{1,2}})\.(?P<m>\d{{2}})\b{_MERIDIEM}?{_AFTER_HOUR}"), _read_clock),
    (re.compile(rf"(?:\b{_AT}|\b){_HOUR}{_MERIDIEM}{_AFTER_HOUR}"), _read_clock),
    (re.compile(
        rf"\b(?:at|by|around)\s+(?:(?P<past>half|quarter)\s+past\s+)?{_HOUR}(?:h(?:rs?|s)?)?\b(?![:.]\d){_NOT_UNITS}"
        rf"{_AFTER_HOUR}"
    ), _read_clock),
    (re.compile(
        rf"\b(?:a|sobre)\s+las?\s+{_HOUR}(?:h(?:rs?|s)?)?\b(?![:.]\d){_NOT_UNITS}"
        rf"(?:\s+y\s+(?P<frac>media|cuarto|\d{{1,2}})|\s+menos\s+(?P<minus>cuarto|\d{{1,2}}))?{_AFTER_HOUR}"
    ), _read_clock),
    (re.compile(
        r"\b(?:(?:at|by|around)\s+)?(?:(?P<noon>noon|midday)|(?P<midnight>midnight))\b"
        r"|\ba(?:l)?\s+(?:(?P<noon_es>mediodia)|(?P<midnight_es>medianoche))\b"
    ), _read_clock),
    (re.compile(
        rf"\b(?:(?P<this>this)|in\s+the)\s+{_PART_EN}\b|\b(?P<tonight>tonight)\b"
        r"|\b(?P<esta>esta)\s+(?P<part_es>manana|tarde|noche)\b|\b(?:por|en)\s+la\s+(?P<part_es2>manana|tarde|noche)\b"
    ), _read_part),
    (re.compile(
        rf"\b(?:on\s+)?(?P<day>today|tomorrow|the\s+day\s+after\s+tomorrow)\b(?:\s+{_PART_EN})?"
        r"|\b(?P<day_es>hoy|pasado\s+manana|(?<!la\s)(?<!las\s)manana)\b"
    ), lambda g, when: _read_day({**g, "day": re.sub(r"\s+", " ", g["day"]) if g["day"] else None}, when)),
    (re.compile(
        rf"\b(?:on\s+)?(?:(?P<next>next)\s+|this\s+(?:coming\s+)?)?(?P<wd>{_alternatives(_WEEKDAYS)})\b(?:\s+{_PART_EN})?"
        rf"|\b(?:(?:el|este|(?P<next_es>el\s+proximo|el\s+siguiente))\s+)?(?P<wd_es>{_alternatives(_WEEKDAYS)})\b"
        r"(?P<next_es2>\s+que\s+viene|\s+proximo)?"
    ), _read_weekday),
    (re.compile(
        rf"\b(?:on\s+)?(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_alternatives(_MONTHS)})\b"
        rf"|\b(?:on\s+)?(?P<mon2>{_alternatives(_MONTHS)})\s+(?:the\s+)?(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b"
        rf"|\b(?:el\s+)?(?:dia\s+)?(?P<d3>\d{{1,2}})\s+de\s+(?P<mon3>{_alternatives(_MONTHS)})\b"
    ), _read_date),
]  # fmt: skip
# A date the grammar does not read ("14/12" is the 14th of December or nonsense, by country): better
# to ask than to remind on the wrong day.
_UNREAD_DATE = re.compile(r"\b\d{1,2}[/-]\d{1,2}(?:[/-]\d{2,4})?\b")


def _read_when(folded: str) -> tuple[_When, str]:
    """Run the grammar over the folded text; returns what it found and the text with that blanked."""
    when = _When()
    for pattern, read in _GRAMMAR:
        for match in pattern.finditer(folded):
            if match.group(0).strip() and read(match.groupdict(), when):
                when.spans.append(match.span())
                folded = _blank(folded, *match.span())
                break
    return when, folded


def _due(when: _When, *, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The moment the grammar's pieces name, in UTC, or None when they name no clock time."""
    if when.delta is not None:
        return now.astimezone(UTC) + when.delta  # in UTC: aware arithmetic in a zone is wall-clock arithmetic
    local_now = now.astimezone(zone)
    today = local_now.date()
    day, said_a_day = today, True
    if when.month_day is not None:
        month, day_of_month = when.month_day
        try:
            day = date(today.year, month, day_of_month)
            if day < today:
                day = date(today.year + 1, month, day_of_month)
        except ValueError:
            return None
    elif when.weekday is not None:
        ahead = (when.weekday - today.weekday()) % 7
        day = today + timedelta(days=ahead or (7 if when.weekday_strictly_after_today else 0))
    elif when.days is not None:
        day = today + timedelta(days=when.days)
    else:
        said_a_day = False
    hour = when.hour
    if hour is None:
        if when.part is not None:
            hour = _PART_HOURS[when.part]
        elif when.days_relative:
            hour, when.minute = local_now.hour, local_now.minute  # "in 3 days": this clock time then
        else:
            return None  # a day without a time: the coach asks when
    elif when.meridiem == "pm" and hour < 12:
        hour += 12
    elif when.meridiem == "am" and hour == 12:
        hour = 0
    # A bare hour is read on the 24-hour clock ("at 7" is 07:00, "a las 19" is 19:00) unless a part of
    # the day says otherwise; a past one moves to tomorrow below.
    elif (
        when.meridiem is None
        and hour < 12
        and (when.part in ("afternoon", "evening") or (when.part == "night" and hour >= 5))
    ):
        hour += 12
    # Built on the local calendar, so "Monday at 8" is 08:00 there whatever DST did in between.
    due = datetime.combine(day, time(hour, when.minute), tzinfo=zone)
    if due <= local_now:
        if not said_a_day:
            due = datetime.combine(day + timedelta(days=1), time(hour, when.minute), tzinfo=zone)
        elif when.weekday is not None and when.month_day is None:
            due = datetime.combine(day + timedelta(days=7), time(hour, when.minute), tzinfo=zone)
        elif when.days == 0 and when.meridiem is None and when.part is None and hour < 12:
            # "today at 7" said at 9:00 can only mean the evening.
            due = datetime.combine(day, time(hour + 12, when.minute), tzinfo=zone)
    return due.astimezone(UTC)


# dateparser reads ordinary words as dates ("to", "may", "second"): only take what looks like a time.
_LOOKS_LIKE_TIME = re.compile(r"\d|\b(?:week|weekend|month|year|fortnight|semana|finde|mes|ano|quincena)\b")


def _due_from_dateparser(text: str, *, now: datetime, timezone: str) -> tuple[datetime, str] | None:
    """What dateparser reads in words the grammar left ("next week"), with the words it read."""
    from dateparser.search import search_dates  # heavy to import: only when the grammar found nothing

    settings = {
        "RELATIVE_BASE": now.astimezone(ZoneInfo(timezone)).replace(tzinfo=None),
        "PREFER_DATES_FROM": "future",
        "TIMEZONE": timezone,
        "RETURN_AS_TIMEZONE_AWARE": True,
    }
    for words, moment in search_dates(text, languages=["en", "es"], settings=settings) or []:
        if _LOOKS_LIKE_TIME.search(_fold(words)):
            return moment.astimezone(UTC), words
    return None


_ASKS = {
    "en": re.compile(
        r"\bremind\s+me\b|\bdon'?t\s+let\s+me\s+forget\b"
        r"|\b(?:set|add|create|make|schedule|put)\s+(?:me\s+|up\s+)?(?:a\s+|an\s+)?reminder\b"
        r"|\breminder(?=\s+(?:to|for|about|that)\b)"
    ),
    "es": re.compile(
        r"\b(?:recuerdame|recordarme|acuerdame|avisame|me\s+recuerdas|me\s+avisas|no\s+me\s+dejes\s+olvidar)\b"
        r"|\bme\s+(?:puedes|podrias|puede|podria)\s+(?:recordar|avisar)\b"
        r"|\b(?:pon|ponme|crea|creame|programa|programame|anade|anademe|agrega|agregame)\s+(?:un\s+)?recordatorio\b"
        r"|\brecordatorio(?=\s+(?:para|de|que)\b)"
    ),
}
# Asking about reminders, or asking not to be reminded, is not a request.
_NOT_AN_ASK = re.compile(
    r"^\W*(?:how|what|why|where|when|which|como|que|por\s+que|cuando|donde|cual)\b"
    r"|\b(?:don'?t|do\s+not|never|stop)\s+remind|\bno\s+me\s+(?:recuerdes|avises)\b"
)
_FILLER_START = re.compile(
    r"^(?:hey|hi|hello|ok|okay|please|pls|coach|can\s+you|could\s+you|would\s+you|will\s+you|i\s+want\s+you\s+to"
    r"|oye|hola|vale|porfa|por\s+favor|puedes|podrias|me\s+puedes|quiero\s+que)\b"
)
_FILLER_END = re.compile(r"\b(?:please|pls|thanks|thank\s+you|por\s+favor|porfa|gracias)$")
# The words that tie the ask to the thing: "to walk", "que tengo que pesarme".
_LINKS = {
    "en": re.compile(
        r"^(?:to|that|about|of|for|and|i\s+(?:have|need|must|should|want)\s+to|i\s+must|i'?ve\s+got\s+to|i\s+gotta)\b"
    ),
    "es": re.compile(
        r"^(?:de\s+que|que|de|del|para|a|sobre|y|tengo\s+que|debo(?:\s+de)?|hay\s+que|necesito|me\s+toca)\b"
    ),
}
_EDGES = " \t\n,.;:!?¡¿\"'“”‘’()-"


def _what(text: str, spans: list[tuple[int, int]], language: str) -> str:
    """The person's words without the ask, the time, fillers and linking words."""
    for start, end in spans:
        text = _blank(text, start, end)
    what = re.sub(r"\s+", " ", text)
    while True:
        before = what
        what = what.strip(_EDGES)
        for pattern in (_FILLER_START, _LINKS[language]):
            match = pattern.match(_fold(what))
            if match:
                what = what[match.end() :].strip(_EDGES)
        match = _FILLER_END.search(_fold(what))
        if match:
            what = what[: match.start()]
        if what == before:
            return what


def reminder_request_read(text: str, *, now: datetime, timezone: str, language: str = "en") -> ReminderRequest | None:
    """A reminder the person asked for, or None when they did not ask or said no time (the caller asks
    when). `now` is aware (the injected clock); the times they say are in `timezone` (IANA name).
    `language` is a hint only: the words of the ask decide which linking words are cut from `what`."""
    folded = _fold(text)
    if _NOT_AN_ASK.search(folded):
        return None
    asks = [(match, lang) for lang, pattern in _ASKS.items() if (match := pattern.search(folded))]
    if not asks:
        return None
    ask, ask_language = min(asks, key=lambda found: (found[0].start(), found[1] != language))
    when, rest = _read_when(_blank(folded, *ask.span()))
    spans = [ask.span(), *when.spans]
    if when.spans:
        if _UNREAD_DATE.search(rest):
            return None
        due = _due(when, now=now, zone=ZoneInfo(timezone))
    else:
        without_ask = _blank(text, *ask.span())
        found = _due_from_dateparser(without_ask, now=now, timezone=timezone)
        due = found[0] if found else None
        if found:
            start = without_ask.find(found[1])
            spans.append((start, start + len(found[1])))
    if due is None or not (now < due <= now.astimezone(UTC) + MAX_AHEAD):
        return None
    return ReminderRequest(what=_what(text, spans, ask_language), due_at=due)


_LIST = re.compile(
    r"\b(?:my|all|what|which|any|the)\s+reminders\b|\b(?:list|show)\s+(?:me\s+)?reminders\b|^\W*reminders\W*$"
    r"|\b(?:mis|que|cuales|tengo|los|todos\s+los)\s+recordatorios\b"
    r"|\b(?:ver|muestrame|ensename|lista|listar)\s+recordatorios\b|^\W*recordatorios\W*$"
)
_ABOUT_REMINDERS = re.compile(r"^\W*(?:how|why|como|por\s+que)\b")
_CANCEL = re.compile(
    r"\b(?:cancel|delete|remove|clear|drop|stop|erase)\b.*\breminders?\b"
    r"|\b(?:cancel|anul|borr|elimin|quit)a(?:r|me)?(?:lo|la|los|las)?\b.*\brecordatorios?\b"
)
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "primer": 1, "primero": 1, "primera": 1, "segundo": 2, "tercer": 3,
    "tercero": 3, "cuarto": 4, "quinto": 5, "sexto": 6, "septimo": 7, "octavo": 8, "noveno": 9, "decimo": 10,
}  # fmt: skip
_WHICH = re.compile(
    r"\b(?:reminders?|recordatorios?)\s*(?:number|num\.?|numero|no\.?|n[o°º]\.?|#)?\s*(?P<n>\d{1,3})\b"
    r"|#\s*(?P<hash>\d{1,3})\b|\b(?:number|numero)\s+(?P<num>\d{1,3})\b"
    r"|\b(?P<nth>\d{1,3})(?:st|nd|rd|th|o|º|°)?\s+(?:reminder|recordatorio)\b"
    rf"|\b(?P<ord>{_alternatives(_ORDINALS)})\s+(?:reminder|recordatorio)\b"
)


def reminder_command_read(text: str, language: str = "en") -> ReminderCommand | None:
    """Commands about reminders already set: "my reminders", "mis recordatorios" (list); "cancel reminder 2",
    "borra mis recordatorios" (cancel).
    Both languages are read whatever `language` says; a new request ("set a reminder to cancel the gym")
    is not a command."""
    folded = _fold(text)
    if any(pattern.search(folded) for pattern in _ASKS.values()):
        return None
    if _CANCEL.search(folded):
        match = _WHICH.search(folded)
        if match is None:
            return ReminderCommand(action="cancel", which=None)
        number = _first(match.groupdict(), "n", "hash", "num", "nth")
        which = int(number) if number else _ORDINALS[match.group("ord")]
        return ReminderCommand(action="cancel", which=which or None)
    if _LIST.search(folded) and not _ABOUT_REMINDERS.search(folded):
        return ReminderCommand(action="list", which=None)
    return None


def reminder_when_words(due_at: datetime, *, now: datetime, timezone: str, language: str) -> str:
    """How the coach says when: "in 20 minutes", "today at 18:00", "tomorrow at 08:00",
    "on Monday 14 December at 07:00", in the person's timezone and language."""
    zone = ZoneInfo(timezone)
    local_due, local_now = due_at.astimezone(zone), now.astimezone(zone)
    minutes = round((due_at.astimezone(UTC) - now.astimezone(UTC)).total_seconds() / 60)
    clock = local_due.strftime("%H:%M")
    with translation.override(language):
        if 0 < minutes < 60:
            return ngettext("in %(count)d minute", "in %(count)d minutes", minutes) % {"count": minutes}
        days = (local_due.date() - local_now.date()).days
        if days == 0:
            return gettext("today at %(time)s") % {"time": clock}
        if days == 1:
            return gettext("tomorrow at %(time)s") % {"time": clock}
        names = {
            "weekday": str(WEEKDAYS[local_due.weekday()]),
            "day": local_due.day,
            "month": str(MONTHS[local_due.month]),
            "year": local_due.year,
            "time": clock,
        }
        if local_due.year == local_now.year:
            return gettext("on %(weekday)s %(day)d %(month)s at %(time)s") % names
        return gettext("on %(weekday)s %(day)d %(month)s %(year)d at %(time)s") % names
