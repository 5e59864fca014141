"""Cross-lingual word matching (knowledge.lexicon) and the day / numbered-part qualifiers of
sentence choice (knowledge.sentences): pure functions, no database, no model."""

from __future__ import annotations

from knowledge.lexical import tokens
from knowledge.lexicon import translated_terms, translations
from knowledge.sentences import day_fit, days_named, part_fit, parts_named


def test_content_words_get_their_counterparts_in_the_other_language():
    assert "nap" in translations(tokens("siesta"))
    assert {"rodilla", "lesion"} <= translations(tokens("knee injury"))
    assert "semana" in translations(tokens("weeks"))  # plural folded by the stemmer
    assert "sunday" in translations(tokens("domingos"))


def test_words_outside_the_lexicon_add_nothing():
    assert translations(tokens("router cryptocurrency")) == set()
    assert "alcohol" not in translations(tokens("alcohol"))  # never the word itself


def test_how_a_question_asks_is_not_translated():
    # "a qué hora" asks for a time of day: it must not pull sentences about hours.
    assert "hour" not in translated_terms("¿A qué hora debo apagar las luces?")
    assert "light" in translated_terms("¿A qué hora debo apagar las luces?")
    assert "hour" in translated_terms("dos horas de ejercicio")


def test_a_sentence_about_the_day_asked_wins_over_the_other_days():
    asked = days_named("Is the studio open on Sundays?")
    assert asked == {"sunday"}
    assert day_fit(asked, "It is closed on Sundays.") == 1
    assert day_fit(asked, "The studio opens at 6:30 on weekdays and at 8:00 on Saturdays.") == -1
    assert day_fit(asked, "Book classes in the app up to seven days ahead.") == 0
    assert days_named("¿Abrís el fin de semana?") == {"weekend"}


def test_numbered_parts_are_told_apart_from_amounts():
    assert parts_named("What should I do in week one of the plan?") == {("week", "1")}
    assert parts_named("Semana uno: crear el hábito") == {("week", "1")}
    assert parts_named("la primera semana") == {("week", "1")}
    assert parts_named("two weeks of rest") == set()  # an amount, not a part
    asked = {("week", "1")}
    assert part_fit(asked, "Camina treinta minutos.\nSemana uno: crear el hábito") == 1
    assert part_fit(asked, "Mantén el volumen.\nSemana cuatro: consolidar") == -1
    assert part_fit(asked, "Calienta siempre diez minutos.") == 0
