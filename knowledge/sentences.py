"""Which sentences of the retrieved passages the embedded composer quotes.

Passages are split where sentences end (punctuation), at list items and at paragraph breaks — not
at every line break: a line that does not end a sentence and is followed by one starting in lower
case or with a number is the same sentence wrapped (PDF text). Short lines ("Lights out at 22:40")
and list items are candidates; only true headings (the document title, the passage's section, the
titles the parser found, Markdown "#" lines) and the "Question:" scaffolding of correction notes
are skipped.

Each candidate is scored by how well it answers the question, not by similarity alone:
- its e5 similarity to the question, plus how relevant its passage is;
- a bonus when the question asks how many / how much / when / cuántos / cuándo and the sentence
  holds a quantity or a time;
- a bonus for the question's own content words it shares (exact names and numbers);
- a bonus for what the person told the coach (their facts), so "knee injury" pulls the sentence
  about knees;
- a tie-break for the person's language.
The best sentence is joined by its neighbours in the same passage when they score nearly as well,
when it ends in a colon, or when the quantity asked for sits in the next sentence (three at most).
A list that names things the person said they avoid (a vegetarian and "fish and chicken") is
quoted without those items, and the reply says so. Nothing else is ever rewritten.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from knowledge.language import detect_language
from knowledge.lexical import fold, tokens
from knowledge.lexicon import translated_terms

SCAFFOLDING = re.compile(r"^(question|pregunta|correction|correcci[oó]n|answer|respuesta)\s*:", re.IGNORECASE)
SENTENCE_BREAK = re.compile(r"(?<=[.!?…])[\"”»)]?\s+(?=[¿¡\"“«(]?[A-ZÁÉÍÓÚÑ0-9])")
BULLET = re.compile(r"^\s*(?:[-*•·▪‣]|\d{1,2}[.)])\s+")
INLINE_BULLET = re.compile(r"\s+[•·▪]\s+|\s+-\s+(?=[A-ZÁÉÍÓÚÑ0-9])")
CLOSED = re.compile(r"[.!?:;…\"”»)]$")
CONTINUES = re.compile(r"^[a-záéíóúüñ0-9(]")
QUANTITY_QUESTION = re.compile(
    r"\b(how (many|much|long|often|far|late|early|old)|when|what time|at what|at most|at least|"
    r"cu[aá]nt[oa]s?|cu[aá]ndo|a qu[eé] hora|qu[eé] temperatura|como m[aá]ximo|como m[ií]nimo|"
    r"cada cu[aá]nto)\b",
    re.IGNORECASE,
)
QUANTITY = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
    r"fifty|sixty|ninety|hundred|half|once|twice|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|doce|"
    r"quince|veinte|treinta|cuarenta|cincuenta|sesenta|noventa|cien|medio|media|minutos?|horas?|"
    r"minutes?|hours?|litros?|liters?|litres?|grams?|gramos?|degrees|grados)\b",
    re.IGNORECASE,
)
QUANTITY_BONUS = 0.03
# Days of the week (English and Spanish, accents folded). A question about one day is answered by
# the sentence about that day: "Is it open on Sundays?" by "closed on Sundays", not by the hours of
# the other days.
DAYS = {
    "monday": r"mondays?|lunes",
    "tuesday": r"tuesdays?|martes",
    "wednesday": r"wednesdays?|miercoles",
    "thursday": r"thursdays?|jueves",
    "friday": r"fridays?|viernes",
    "saturday": r"saturdays?|sabados?",
    "sunday": r"sundays?|domingos?",
    "weekday": r"weekdays?|entre semana|(?:dias )?laborables?",
    "weekend": r"weekends?|fine?s? de semana",
}
DAY_PATTERNS = {day: re.compile(rf"\b(?:{pattern})\b") for day, pattern in DAYS.items()}
DAY_BONUS = 0.03
# Numbered parts of a plan ("week one", "semana 2", "day three", "fase uno"): a question about one
# part is answered by that part, and a sentence (or its section title) naming another part of the
# same kind answers something else. The bonus and penalty are DAY_BONUS's.
PART_UNITS = {
    "week": "weeks?|semanas?",
    "day": "days?|dias?",
    "month": "months?|mes(?:es)?",
    "session": "sessions?|sesion(?:es)?",
    "step": "steps?|pasos?",
    "phase": "phases?|fases?",
    "level": "levels?|nivel(?:es)?",
}
# "week one" / "semana dos" (the unit first) name a part; "one week" / "dos semanas" are amounts.
# Ordinals name a part in either order ("first week", "primera semana").
NUMBERS = {"1": "1|one|uno|una", "2": "2|two|dos", "3": "3|three|tres", "4": "4|four|cuatro", "5": "5|five|cinco"}
ORDINALS = {
    "1": "first|primer[ao]?",
    "2": "second|segund[ao]",
    "3": "third|tercer[ao]?",
    "4": "fourth|cuart[ao]",
    "5": "fifth|quint[ao]",
}
PART_PATTERNS = {
    (unit, number): re.compile(
        rf"\b(?:(?:{units})\s+(?:{NUMBERS[number]}|{ORDINALS[number]})|(?:{ORDINALS[number]})\s+(?:{units}))\b"
    )
    for unit, units in PART_UNITS.items()
    for number in NUMBERS
}
SHARED_WORD_BONUS = 0.012
SHARED_WORD_CAP = 3
FACT_WEIGHT = 0.4
PASSAGE_WEIGHT = 0.3
PASSAGE_WINDOW = 0.03
PASSAGES_PER_LANGUAGE = 1
# Sentences lose more to the language gap than whole passages do: measured on the conversation
# set, a Spanish question scores the English sentence that answers it up to ~0.035 below a Spanish
# sentence on a neighbouring topic, while same-language answers lead other-language sentences by
# 0.035 or more.
SENTENCE_CROSS_LINGUAL_BONUS = 0.035
PERSON_LANGUAGE_BONUS = 0.003
JOIN_MARGIN = 0.04
MAX_SENTENCES = 3
# What a stated diet rules out of a list of foods (English and Spanish, accents folded).
MEAT_AND_FISH = (
    "chicken meat beef pork lamb turkey ham bacon fish tuna salmon sardine shrimp prawn seafood "
    "pollo carne ternera cerdo cordero pavo jamon beicon pescado atun salmon sardina gamba marisco"
).split()
ANIMAL_PRODUCTS = (
    "egg eggs yogurt yoghurt milk cheese butter honey whey huevo huevos yogur leche queso mantequilla miel"
).split()
DIETS = {
    "vegetarian": MEAT_AND_FISH,
    "vegan": MEAT_AND_FISH + ANIMAL_PRODUCTS,
    "vegano": MEAT_AND_FISH + ANIMAL_PRODUCTS,
    "vegana": MEAT_AND_FISH + ANIMAL_PRODUCTS,
    "vegetariano": MEAT_AND_FISH,
    "vegetariana": MEAT_AND_FISH,
}


# Sentence vectors by text, kept per process: the passages that answer most questions come back
# again and again, and embedding a dozen sentences (~25 ms each on 2 cores) was most of an answer.
SENTENCE_CACHE_SIZE = 4096
_sentence_vectors: OrderedDict[str, list[float]] = OrderedDict()
_sentence_lock = threading.Lock()


def sentence_vectors(texts: list[str]) -> list[list[float]]:
    from knowledge.embeddings import embedding_model_name, get_embeddings

    model = embedding_model_name()
    with _sentence_lock:
        missing = [text for text in dict.fromkeys(texts) if f"{model}\x00{text}" not in _sentence_vectors]
    fresh = dict(zip(missing, get_embeddings().embed_documents(missing), strict=True)) if missing else {}
    with _sentence_lock:
        for text, vector in fresh.items():
            _sentence_vectors[f"{model}\x00{text}"] = vector
        found = []
        for text in texts:
            key = f"{model}\x00{text}"
            vector = _sentence_vectors.get(key) or fresh[text]
            if key in _sentence_vectors:
                _sentence_vectors.move_to_end(key)
            found.append(vector)
        while len(_sentence_vectors) > SENTENCE_CACHE_SIZE:
            _sentence_vectors.popitem(last=False)
    return found


@lru_cache(maxsize=1024)
def fact_vector(fact: str) -> list[float]:
    from knowledge.embeddings import get_embeddings

    return get_embeddings().embed_query(fact)


@dataclass(frozen=True)
class Candidate:
    text: str
    hit: dict[str, Any]
    position: int  # order within its passage, for joining neighbours


@dataclass(frozen=True)
class Choice:
    text: str
    hit: dict[str, Any]
    language: str
    left_out_for: str = ""  # the person's fact that made the quote leave items out
    score: float = 0.0  # the quoted sentence's similarity to the question (cross-lingual calibrated)


def is_heading(line: str, hit: dict[str, Any]) -> bool:
    stripped = line.strip()
    if stripped.startswith("#"):
        return True
    known = {hit.get("title", ""), hit.get("section", ""), *hit.get("headings", "").split("\n")}
    return fold(stripped.rstrip(":")) in {fold(name.strip()) for name in known if name.strip()}


def lines_of(text: str, hit: dict[str, Any]) -> list[str]:
    """The passage's lines, with lines wrapped inside a sentence joined back."""
    lines: list[str] = []
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if not line:
            lines.append("")
            continue
        previous = lines[-1] if lines else ""
        if (
            previous
            and not CLOSED.search(previous)
            and CONTINUES.match(line)
            and not BULLET.match(line)
            and not is_heading(previous, hit)
        ):
            lines[-1] = f"{previous} {line}"
        else:
            lines.append(line)
    return [line for line in lines if line]


def without_leading_title(line: str, hit: dict[str, Any]) -> str:
    """PDF text can run the title into the first sentence ("Evening routine Dim the lights...")."""
    for name in (hit.get("title", ""), hit.get("section", "")):
        name = name.strip()
        rest = line[len(name) :]
        if name and fold(line[: len(name)]) == fold(name) and rest[:1] == " " and rest[1:2].isupper():
            return rest.strip()
    return line


def sentences_of(hit: dict[str, Any]) -> list[str]:
    found = []
    for line in lines_of(hit["text"], hit):
        if is_heading(line, hit) or SCAFFOLDING.match(line):
            continue
        line = without_leading_title(line, hit)
        for item in INLINE_BULLET.split(BULLET.sub("", line)):
            for sentence in SENTENCE_BREAK.split(item):
                sentence = sentence.strip()
                if sum(ch.isalnum() for ch in sentence) >= 3 and not SCAFFOLDING.match(sentence):
                    found.append(sentence[:400])
    return found


def days_named(text: str) -> set[str]:
    folded = fold(text)
    return {day for day, pattern in DAY_PATTERNS.items() if pattern.search(folded)}


def parts_named(text: str) -> set[tuple[str, str]]:
    folded = fold(text)
    return {part for part, pattern in PART_PATTERNS.items() if pattern.search(folded)}


def part_fit(asked: set[tuple[str, str]], text: str) -> int:
    """1 when the text names a part asked about, -1 when it names only other parts of that kind."""
    named = {part for part in parts_named(text) if part[0] in {unit for unit, _ in asked}}
    if not named:
        return 0
    return 1 if named & asked else -1


def day_fit(asked: set[str], sentence: str) -> int:
    """1 when the sentence names a day asked about, -1 when it names only other days, else 0."""
    named = days_named(sentence)
    if not named:
        return 0
    return 1 if named & asked else -1


def fact_diet(facts: tuple[str, ...]) -> tuple[str, list[str]]:
    for fact in facts:
        words = set(re.findall(r"[a-z]+", fold(fact)))
        for diet, excluded in DIETS.items():
            if diet in words:
                return fact, excluded
    return "", []


def without_excluded(sentence: str, excluded: list[str], language: str) -> str:
    """The sentence with the list items that name an excluded food taken out ("" if none were)."""
    head, colon, listed = sentence.rpartition(":")
    body = listed if colon else sentence
    end = body[len(body.rstrip(".;!")) :]
    parts = re.split(r",\s*|\s+(?:and|or|y|e|o|u)\s+", body.rstrip(".;!"))
    if len(parts) < 3:
        return ""
    lead = re.match(r"(.*\b(?:are|is|include|includes|son|es|incluyen)\s+)(.+)$", parts[0])
    if not colon and lead:  # "Good sources are eggs": the list starts after the verb
        head, colon, parts = lead.group(1).rstrip(), "", [lead.group(2), *parts[1:]]

    def fits(part: str) -> bool:
        return not any(re.search(rf"\b{word}s?\b", fold(part)) for word in excluded)

    kept = [part for part in parts if fits(part)]
    if len(kept) == len(parts) or not kept or (not lead and kept[0] != parts[0]):
        return ""
    joiner = " y " if language == "es" else " and "
    listed_again = kept[0] if len(kept) == 1 else ", ".join(kept[:-1]) + joiner + kept[-1]
    return f"{head}{colon} {listed_again.strip()}{end}".strip()


def choose_sentences(
    question: str,
    hits: list[dict[str, Any]],
    language: str,
    facts: tuple[str, ...] = (),
    *,
    question_vector: list[float] | None = None,
) -> Choice:
    import numpy as np

    from knowledge.embeddings import get_embeddings
    from knowledge.ranking import chunk_language

    def relevance(hit: dict[str, Any]) -> float:
        return hit.get("rank_score", hit["score"])

    top = relevance(hits[0])
    passages = [hit for hit in hits[:3] if relevance(hit) >= top - PASSAGE_WINDOW]
    # The best passage of each language competes too: which language answers is decided on the
    # sentences themselves, never on the question's language alone.
    for candidate_language in ("en", "es"):
        best_there = [hit for hit in hits if chunk_language(hit) == candidate_language][:PASSAGES_PER_LANGUAGE]
        passages.extend(hit for hit in best_there if all(hit is not chosen for chosen in passages))
    candidates = [
        Candidate(sentence, hit, position) for hit in passages for position, sentence in enumerate(sentences_of(hit))
    ]
    if not candidates:
        return Choice(hits[0]["text"][:400], hits[0], chunk_language(hits[0]), score=hits[0]["score"])
    embeddings = get_embeddings()
    asked = np.asarray(question_vector or embeddings.embed_query(question), dtype=np.float32)
    vectors = np.asarray(sentence_vectors([c.text for c in candidates]), dtype=np.float32)
    question_language = detect_language(question, default=language)
    other = np.asarray([chunk_language(c.hit) != question_language for c in candidates])
    similarity = vectors @ asked + SENTENCE_CROSS_LINGUAL_BONUS * other.astype(np.float32)
    # A sentence in the other language is also read against the question's word-for-word gloss
    # (knowledge.selectors.gloss_vector), without the cross-lingual bonus (the gloss is in its
    # language), and keeps the better of the two readings.
    from knowledge.selectors import gloss_vector

    glossed = gloss_vector(question, question_language) if other.any() else None
    if glossed is not None:
        by_gloss = vectors @ np.asarray(glossed, dtype=np.float32)
        similarity = np.where(other, np.maximum(similarity, by_gloss), similarity).astype(np.float32)
    scores = similarity.copy()
    scores += np.asarray([PASSAGE_WEIGHT * (relevance(c.hit) - top) for c in candidates], dtype=np.float32)
    if QUANTITY_QUESTION.search(question):
        scores += np.asarray([QUANTITY_BONUS * bool(QUANTITY.search(c.text)) for c in candidates], dtype=np.float32)
    # Words of the question and of the person's facts ("Health: knee injury" gives knee, injury)
    # found in the sentence or in its section's title ("week one" in "Week one: build the habit").
    asked_words = set(tokens(question)) | {word for fact in facts for word in tokens(fact.partition(":")[2] or fact)}
    # ...and their counterparts in the other language, so a passage in the other language can
    # share them too ("siesta" / "nap", "knee injury" / "lesión de rodilla").
    asked_words |= set(translated_terms(" ".join([question, *(fact.partition(":")[2] or fact for fact in facts)])))
    # Centred per language: sentences in the question's language share its everyday words by
    # nature, which must not count as answering better; numbers and names still stand out.
    shared = np.asarray(
        [
            SHARED_WORD_BONUS
            * min(SHARED_WORD_CAP, len(asked_words & set(tokens(f"{c.text} {c.hit.get('section', '')}"))))
            for c in candidates
        ],
        dtype=np.float32,
    )
    languages = np.asarray([chunk_language(c.hit) for c in candidates])
    for candidate_language in set(languages.tolist()):
        same = languages == candidate_language
        shared[same] -= shared[same].mean()
    scores += shared
    asked_days = days_named(question)
    if asked_days:
        # A sentence naming the day asked about gains; one naming only other days loses.
        scores += np.asarray([DAY_BONUS * day_fit(asked_days, c.text) for c in candidates], dtype=np.float32)
    asked_parts = parts_named(question)
    if asked_parts:
        scores += np.asarray(
            [DAY_BONUS * part_fit(asked_parts, f"{c.text}\n{c.hit.get('section', '')}") for c in candidates],
            dtype=np.float32,
        )
    if facts:
        fact_vectors = np.asarray([fact_vector(fact) for fact in facts[:3]], dtype=np.float32)
        fit = (vectors @ fact_vectors.T).max(axis=1)
        scores += FACT_WEIGHT * (fit - fit.mean())
    scores += np.asarray(
        [PERSON_LANGUAGE_BONUS * (chunk_language(c.hit) == language) for c in candidates], dtype=np.float32
    )
    best = int(scores.argmax())
    lead = candidates[best]
    siblings = {c.position: i for i, c in enumerate(candidates) if c.hit is lead.hit}
    chosen = [best]
    asks_quantity = bool(QUANTITY_QUESTION.search(question)) and not QUANTITY.search(lead.text)
    for step in (1, -1, 2):
        if len(chosen) >= MAX_SENTENCES:
            break
        neighbour = siblings.get(lead.position + step)
        if neighbour is None or (step == 2 and lead.position + 1 not in [candidates[i].position for i in chosen]):
            continue
        close = scores[neighbour] >= scores[best] - JOIN_MARGIN
        holds_quantity = asks_quantity and bool(QUANTITY.search(candidates[neighbour].text))
        spans = step == 1 and (lead.text.endswith(":") or holds_quantity)
        if close or spans:
            chosen.append(neighbour)
    chosen.sort(key=lambda i: candidates[i].position)
    quoted = [candidates[i].text for i in chosen]
    fact, excluded = fact_diet(facts)
    left_out_for = ""
    if excluded:
        for number, sentence in enumerate(quoted):
            fitted = without_excluded(sentence, excluded, chunk_language(lead.hit))
            if fitted:
                quoted[number], left_out_for = fitted, fact
    return Choice(" ".join(quoted), lead.hit, chunk_language(lead.hit), left_out_for, float(similarity[best]))
