"""The embedded composer quotes the sentence that answers, and only what the sources say."""

from __future__ import annotations

from knowledge.answering import PHRASES, Person, compose_from_sources
from knowledge.chunking import split_elements
from knowledge.parsing import Element
from knowledge.sentences import sentences_of


def hit(text: str, title: str = "Evening routine", section: str = "", language: str = "en", score: float = 0.9):
    return {
        "id": f"{title}:{section}",
        "document": "d1",
        "title": title,
        "page": None,
        "section": section,
        "headings": "",
        "language": language,
        "score": score,
        "rank_score": score,
        "text": text,
    }


def test_it_quotes_a_short_line_that_holds_the_time():
    passage = hit("Evening routine\n\nDim the lights an hour before bed.\nLights out at 22:40\nWake up at 6:40")
    reply = compose_from_sources("When should lights go out?", [passage], "en")
    assert "22:40" in reply.text
    assert "Evening routine" not in reply.text.split(":", 1)[1]


def test_it_splits_where_sentences_end_not_at_wrapped_lines():
    passage = hit("Adults do best with seven to nine\nhours of sleep every night. Teenagers need\n8 to 10 hours.")
    assert sentences_of(passage) == [
        "Adults do best with seven to nine hours of sleep every night.",
        "Teenagers need 8 to 10 hours.",
    ]


def test_chunking_joins_pdf_lines_that_continue_a_sentence_and_keeps_list_items_apart():
    elements = [
        Element("Sleep", 1, "Sleep", "Title"),
        Element("Adults do best with seven to nine", 1, "Sleep", "NarrativeText"),
        Element("hours of sleep every night.", 1, "Sleep", "NarrativeText"),
        Element("Lights out at 22:40", 1, "Sleep", "ListItem"),
        Element("Wake up at 6:40", 1, "Sleep", "ListItem"),
    ]
    [chunk] = split_elements(elements)
    assert "seven to nine hours of sleep" in chunk.text
    assert "Lights out at 22:40\n\nWake up at 6:40" in chunk.text
    assert chunk.headings == ("Sleep",)


def test_a_quantity_question_gets_the_sentence_with_the_number():
    passage = hit(
        "A short nap restores alertness without hurting night sleep. Keep it to ten to twenty minutes, "
        "before three in the afternoon. Longer naps leave you groggy.",
        title="Sleep and Recovery Guide",
        section="Naps",
    )
    reply = compose_from_sources("¿Cuántos minutos como máximo debe durar una siesta?", [passage], "es")
    assert "ten to twenty minutes" in reply.text
    assert reply.text.startswith(PHRASES["es"]["other_language"]["en"])


def test_it_never_quotes_the_scaffolding_of_a_correction_note():
    note = hit(
        "Correction: When should lights go out?\n\nQuestion: When should lights go out?\n\nLights out at 22:40.",
        title="Correction: When should lights go out?",
    )
    reply = compose_from_sources("When should lights go out?", [note], "en")
    assert "Question:" not in reply.text
    assert "Lights out at 22:40." in reply.text


def test_a_list_leaves_out_what_does_not_fit_the_person():
    passage = hit(
        "Eat about 1.6 grams of protein per kilogram of body weight every day. Good sources are eggs, Greek "
        "yogurt, lentils, chickpeas, tofu, fish and chicken.",
        title="Nutrition Basics",
        section="Protein",
    )
    reply = compose_from_sources(
        "What protein sources do you suggest?", [passage], "en", Person(facts=("Diet: vegetarian",))
    )
    assert "lentils" in reply.text and "tofu" in reply.text
    assert "fish" not in reply.text and "chicken" not in reply.text
    assert "Diet: vegetarian" in reply.text


def test_the_reply_offers_no_dead_end_follow_up():
    reply = compose_from_sources("How long should a nap be?", [hit("Naps should last ten to twenty minutes.")], "en")
    assert "this week" not in reply.text
    assert all("follow_up" not in phrases for phrases in PHRASES.values())
