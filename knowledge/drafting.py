"""Lessons drafted from the creator's material for a goal ("Sleep better in two weeks").

The caller (a program draft) turns them into steps the creator then edits. Two writers share one
interface, as replies do (knowledge.answering):

- embedded: each lesson is the best one to three sentences of one retrieved passage, quoted as they
  are, titled with the passage's section (or its document's title). Nothing is written: passages
  are picked so that no two come from the same chunk, documents take turns, and the same sentence
  is never quoted twice.
- Ollama: the same passages are sent as delimited data (never instructions) and the model writes
  one lesson per source as JSON. Whatever cannot be read as lessons citing those sources (a reply
  that is not JSON, a lesson without text or with an unknown source, a failed call) is answered
  with the embedded draft instead.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from knowledge.answering import PHRASES, Voice, citation_for, ollama_chat, sources_as_data, sources_block, system_prompt
from knowledge.selectors import answer_policy, knowledge_search

logger = logging.getLogger(__name__)

MAX_LESSONS = 12
POOL = 12  # passages retrieved for the goal itself
TOPICS = 4  # sub-queries: the goal plus each of this many distinct sections found
# Documents whose best passage for the goal ranks within this of the best document's (fused rank
# scores; on the demo material the goal's own document led the next by 0.012 to 0.05).
DOCUMENT_MARGIN = 0.01
MAX_TEXT = 1200  # characters of a lesson's text
MAX_TITLE = 120
MAX_CHECK_IN = 200


@dataclass(frozen=True)
class Lesson:
    title: str
    text: str
    citations: list[dict[str, Any]] = field(default_factory=list)  # document, title, page, snippet
    check_in: str | None = None  # a question to ask after the lesson (written by Ollama), or None
    backend: str = "embedded"


def draft_lessons(goal: str, *, language: str, count: int = 5, voice: Voice | None = None) -> list[Lesson]:
    """Up to `count` lessons for `goal` from the current creator's material, best first; an empty
    list when the material has nothing relevant. `language` is the lessons' ("en" or "es")."""
    goal = " ".join((goal or "").split())
    if language not in PHRASES:
        language = "en"
    count = max(1, min(count, MAX_LESSONS))
    if not goal:
        return []
    passages = lesson_passages(goal, language, count)
    if not passages:
        return []
    quoted = quoted_lessons(goal, passages, language, count)
    if not settings.OLLAMA_BASE_URL or not quoted:
        return quoted
    written = written_lessons(goal, passages, language, count, voice or Voice())
    return written or quoted


def lesson_passages(goal: str, language: str, count: int) -> list[dict[str, Any]]:
    """Relevant passages, distinct chunks, documents taking turns (each document's best first)."""
    threshold = answer_policy().min_source_score

    def relevant(query: str, k: int) -> list[dict[str, Any]]:
        hits = knowledge_search(query=query, k=k, language=language)
        return sources_as_data([hit for hit in hits if max(hit["score"], hit.get("gloss_score", 0.0)) >= threshold])

    found: dict[str, dict[str, Any]] = {}
    order: list[str] = []

    def keep(hits: list[dict[str, Any]], query: str) -> None:
        for hit in hits:
            key = chunk_key(hit)
            if key not in found:
                found[key] = {**hit, "draft_query": query}
                order.append(key)

    first = relevant(goal, POOL)
    if not first:
        return []
    # Only documents about the goal: a document whose best passage ranks clearly below the best one
    # is about something else that shares a few words ("Sleep better" pulling a training plan's
    # "rest" or a nutrition note's snacks, as the demo material did).
    best: dict[str, float] = {}
    for hit in first:
        document = str(hit.get("document") or hit.get("title"))
        best[document] = max(best.get(document, 0.0), _rank(hit))
    top = max(best.values())
    documents = {document for document, score in best.items() if score >= top - DOCUMENT_MARGIN}

    def on_topic(hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [hit for hit in hits if str(hit.get("document") or hit.get("title")) in documents]

    keep(on_topic(first), goal)
    # Sub-queries: the goal plus each distinct topic (section) found, so that lessons cover the
    # material's topics rather than several passages of the one that matches the goal best.
    topics: list[str] = []
    for key in list(order):
        topic = found[key].get("section") or ""
        if topic and topic.casefold() not in {t.casefold() for t in topics} and topic.casefold() not in goal.casefold():
            topics.append(topic)
        if len(topics) >= TOPICS:
            break
    for topic in topics:
        query = f"{goal}: {topic}"
        keep(on_topic(relevant(query, 4)), query)
    by_document: dict[str, list[dict[str, Any]]] = {}
    for key in order:
        hit = found[key]
        by_document.setdefault(str(hit.get("document") or hit.get("title")), []).append(hit)
    for hits in by_document.values():
        hits.sort(key=lambda hit: -hit.get("rank_score", hit["score"]))
    documents = sorted(by_document.values(), key=lambda hits: -hits[0].get("rank_score", hits[0]["score"]))
    spread: list[dict[str, Any]] = []
    while any(documents) and len(spread) < count * 2:  # twice as many: some may quote nothing new
        for hits in documents:
            if hits:
                spread.append(hits.pop(0))
    return spread


def _rank(hit: dict[str, Any]) -> float:
    return float(hit.get("rank_score", hit["score"]))


def chunk_key(hit: dict[str, Any]) -> str:
    return str(hit.get("id") or f"{hit.get('document')}:{hit.get('chunk')}")


def lesson_title(hit: dict[str, Any]) -> str:
    """The passage's section (its heading) when it has one, else its document's title."""
    for name in (hit.get("section") or "", *(hit.get("headings") or "").split("\n"), hit.get("title") or ""):
        name = " ".join(name.split()).rstrip(":")
        if name:
            return name[:MAX_TITLE]
    return ""


def quoted_lessons(goal: str, passages: list[dict[str, Any]], language: str, count: int) -> list[Lesson]:
    """The embedded draft: per passage, its sentences that best fit the goal (one to three)."""
    from knowledge.sentences import choose_sentences

    lessons: list[Lesson] = []
    quoted: set[str] = set()
    for hit in passages:
        choice = choose_sentences(hit["draft_query"], [hit], language)
        text = choice.text.strip()[:MAX_TEXT]
        if not text or text.casefold() in quoted:
            continue
        quoted.add(text.casefold())
        lessons.append(Lesson(lesson_title(hit), text, [citation_for(hit, text)], None, "embedded"))
        if len(lessons) >= count:
            break
    return lessons


DRAFT_INSTRUCTIONS = (
    "You are drafting the lessons of a coaching program for this goal: {goal}\n"
    "Write {count} short lessons, one per source, each from a different source, in {language}. "
    "Each lesson teaches one thing the source says, in two to four sentences, with no fact that is "
    "not in that source. Also suggest one check-in question to ask the person after it.\n"
    "Reply with JSON only, no other text, in this form:\n"
    '{{"lessons": [{{"source": 1, "title": "...", "text": "...", "check_in": "..."}}]}}'
)


def written_lessons(goal: str, passages: list[dict[str, Any]], language: str, count: int, voice: Voice) -> list[Lesson]:
    """Ollama's lessons, each citing the source it was written from; empty on any failure."""
    from langchain_core.messages import HumanMessage, SystemMessage

    sources = passages[: count + 2]
    language_name = {"en": "English", "es": "Spanish"}[language]
    request = f"<sources>\n{sources_block(sources)}\n</sources>\n\n" + DRAFT_INSTRUCTIONS.format(
        goal=goal, count=min(count, len(sources)), language=language_name
    )
    model = answer_policy().ollama_model or settings.OLLAMA_MODEL
    try:
        reply = ollama_chat(model).invoke(
            [SystemMessage(system_prompt(voice, language, "")), HumanMessage(request)], format="json"
        )
        items = lessons_in(str(reply.content))
    except Exception as exc:  # any LLM failure: the caller keeps the quoted draft
        logger.warning("ollama failed drafting lessons (%s: %s); quoting the sources", type(exc).__name__, exc)
        return []
    lessons: list[Lesson] = []
    used: set[int] = set()
    for item in items:
        lesson = written_lesson(item, sources, used)
        if lesson is not None:
            lessons.append(lesson)
        if len(lessons) >= count:
            break
    if not lessons:
        logger.warning("ollama's draft held no usable lesson; quoting the sources")
    return lessons


def lessons_in(reply: str) -> list[Any]:
    """The lessons of a reply that should be {"lessons": [...]} (or the bare list), read leniently:
    code fences and text around the JSON are skipped. Raises ValueError when there is none."""
    text = re.sub(r"^```(?:json)?\s*|\s*```$", "", reply.strip())
    starts = [position for position in (text.find("{"), text.find("[")) if position >= 0]
    if not starts:
        raise ValueError("no JSON in the reply")
    data, _ = json.JSONDecoder().raw_decode(text[min(starts) :])
    if isinstance(data, dict):
        data = data.get("lessons")
    if not isinstance(data, list):
        raise ValueError("no list of lessons in the reply")
    return data


def written_lesson(item: Any, sources: list[dict[str, Any]], used: set[int]) -> Lesson | None:
    """One item of Ollama's list as a Lesson, or None when it is not one (no text, no known source,
    a source already used)."""
    if not isinstance(item, dict):
        return None
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    source = item.get("source")
    if isinstance(source, str) and source.strip().isdigit():
        source = int(source.strip())
    if isinstance(source, bool) or not isinstance(source, int) or not 1 <= source <= len(sources) or source in used:
        return None
    used.add(source)
    hit = sources[source - 1]
    title = item.get("title")
    title = " ".join(title.split())[:MAX_TITLE] if isinstance(title, str) and title.strip() else lesson_title(hit)
    check_in = item.get("check_in")
    check_in = " ".join(check_in.split())[:MAX_CHECK_IN] if isinstance(check_in, str) and check_in.strip() else None
    return Lesson(title, text.strip()[:MAX_TEXT], [citation_for(hit)], check_in, "ollama")
