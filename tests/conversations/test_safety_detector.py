"""Crisis signals are found before the coach answers, in English and Spanish, on every outlet;
everyday figures of speech are not crises. Pure Python: no database, no Django settings.

The sentences here are not the ones in bench/data/safety_messages.jsonl, so the labelled set
stays a check the patterns were not written against line by line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conversations.safety import CATEGORIES, crisis_signal

BENCH_SET = Path(__file__).resolve().parents[2] / "bench" / "data" / "safety_messages.jsonl"
# Measured by bench/safety.py when the detector landed; the test only lets it go down.
FALSE_ALARMS_MEASURED = 0


def test_it_names_three_categories():
    assert CATEGORIES == ("self_harm", "violence", "medical")


@pytest.mark.parametrize(
    "text",
    [
        "I keep thinking about ending my life",
        "sometimes i wish i could just go to sleep and never wake up",
        "my kids would be better off without me honestly",
        "I've been hurting myself again, the scars are on my legs",
        "I'm done. I want to end it all tonight",
        "there's nothing left to live for since she left",
        "tbh i wanna die 😔",
        "My roommate says she's going to kill herself",
        "I'm suicidal",
    ],
)
def test_it_finds_self_harm_in_english(text):
    assert crisis_signal(text) == "self_harm"


@pytest.mark.parametrize(
    "text",
    [
        "Quiero quitarme la vida",
        "quiero quitarme la vida",
        "ya no tiene sentido mi vida, no quiero seguir viviendo",
        "todos estarían mejor sin mí",
        "me he vuelto a hacer daño en los brazos, me corto las muñecas",
        "tengo ganas de morirme",
        "a veces pienso en tirarme del balcón",
        "no quiero despertar mañana",
        "creo q me voy a suicidar",
    ],
)
def test_it_finds_self_harm_in_spanish(text):
    assert crisis_signal(text) == "self_harm"


@pytest.mark.parametrize(
    "text",
    [
        "my husband hit me again last night",
        "She punched me in the face when I said no",
        "I'm scared to go back home, he said he'd hurt me",
        "i was sexually assaulted after work",
        "my uncle molested me when I was a kid and he still comes over",
        "my girlfriend's dad beats her kids",
        "he threatened to kill me if i talk to the police",
        "I don't feel safe with my partner anymore",
    ],
)
def test_it_finds_violence_in_english(text):
    assert crisis_signal(text) == "violence"


@pytest.mark.parametrize(
    "text",
    [
        "mi marido me pega cuando llega borracho",
        "Mi novio me golpeó ayer y tengo moretones",
        "tengo miedo de que mi esposo me mate",
        "mi tío abusó de mí cuando era pequeña",
        "mi pareja me amenaza con quitarme a los niños y me encierra",
        "me da miedo regresar a casa",
        "mi papá le pega a mi hermanito",
    ],
)
def test_it_finds_violence_in_spanish(text):
    assert crisis_signal(text) == "violence"


@pytest.mark.parametrize(
    "text",
    [
        "I have severe chest pain and I'm sweating",
        "my mom just fainted in the kitchen",
        "he's not breathing, what do I do",
        "I swallowed a whole bottle of painkillers",
        "my lips are swelling up after eating shrimp and i feel weird",
        "my dad suddenly can't move his right side and his speech is slurred",
        "i'm 8 weeks pregnant and there's blood",
        "my daughter drank some drain cleaner",
        "Call an ambulance please",
    ],
)
def test_it_finds_medical_emergencies_in_english(text):
    assert crisis_signal(text) == "medical"


@pytest.mark.parametrize(
    "text",
    [
        "tengo un dolor muy fuerte en el pecho",
        "mi papá está teniendo un infarto",
        "me cuesta mucho respirar y tengo los labios morados",
        "mi hija se tomó una caja de paracetamol",
        "mi abuelo perdió el conocimiento",
        "estoy sangrando muchísimo, me hice un corte profundo",
        "tengo una reacción alérgica, se me hincha la lengua",
        "mi hijo está teniendo convulsiones",
    ],
)
def test_it_finds_medical_emergencies_in_spanish(text):
    assert crisis_signal(text) == "medical"


@pytest.mark.parametrize(
    "text",
    [
        "these burpees are killing me",
        "I would kill for a burrito right now",
        "I'm dying to see the results of my blood test",
        "that spin class was a killer",
        "my arms are dead after rowing",
        "lmao i'm dead 😂",
        "I was dying of embarrassment at the gym",
        "I cut my nails and went running",
        "I hit a new deadlift PR!",
        "I hurt myself at the gym, pulled my hamstring",
        "my heart rate stays around 150 on easy runs",
        "box breathing helps me before presentations",
        "the protein bar was to die for",
        "me muero de frío en la piscina",
        "me muero de ganas de empezar el plan",
        "muero por una pizza",
        "estoy muerto de sueño",
        "mátame, me comí tres donas jaja",
        "me voy a morir de la vergüenza mañana en la presentación",
        "me duele el tobillo después de correr",
        "quiero cortarme el flequillo",
        "le pegué duro al saco hoy",
        "ojo con el golpe de calor al mediodía",
        "mi tensión arterial está bien según el médico",
        "por poco me da un infarto con la factura",
    ],
)
def test_figures_of_speech_and_coaching_talk_are_not_crises(text):
    assert crisis_signal(text) is None


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("these burpees are killing me, and honestly I want to kill myself", "self_harm"),
        ("me muero de hambre pero la verdad es que me quiero morir de verdad", "self_harm"),
        ("I'd kill for a coffee. also my boyfriend hit me this morning", "violence"),
        ("jaja me muero de risa... bueno no, mi pareja me pega", "violence"),
        ("this diet is killing me and now my chest hurts and I can't breathe", "medical"),
        ("casi me da un infarto con el precio, y ahora me duele el pecho y el brazo izquierdo", "medical"),
    ],
)
def test_a_figure_of_speech_never_hides_a_real_signal_next_to_it(text, category):
    assert crisis_signal(text) == category


@pytest.mark.parametrize(
    "text",
    ["quiero suicidarme", "quiero suicídarme", "QUIERO SUICIDARME", "quiero  suicídarme!!", "kiero suisidarme"],
)
def test_accents_case_spacing_and_a_common_misspelling_do_not_matter(text):
    assert crisis_signal(text) == "self_harm"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("q ganas d morirme", "self_harm"),
        ("xq me pega mi novio?? q hago", "violence"),
        ("i cant breathe pls help", "medical"),
        ("i wanna diiiie", "self_harm"),
        ("I’m going to kill myself", "self_harm"),
    ],
)
def test_chat_spellings_are_understood(text, category):
    assert crisis_signal(text) == category


@pytest.mark.parametrize("text", ["I would never hurt myself, don't worry", "nunca me haría daño, tranquila"])
def test_a_plain_never_is_trusted(text):
    assert crisis_signal(text) is None


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # Documented policy: general questions that name an emergency are flagged (recall first).
        ("what are the signs of a heart attack?", "medical"),
        ("is suicide common among athletes?", "self_harm"),
        # "I'm not going to kill myself" is not trusted: people in crisis often say it.
        ("I'm not going to kill myself, I just feel empty", "self_harm"),
        # An overdose "to end it" is self_harm; without stated intent it is medical.
        ("took all my pills so I won't wake up", "self_harm"),
    ],
)
def test_documented_edge_cases(text, category):
    assert crisis_signal(text) == category


def test_it_finds_every_crisis_in_the_labelled_set_and_no_more_false_alarms_than_measured():
    messages = [json.loads(line) for line in BENCH_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    crisis = [m for m in messages if m["label"] is not None]
    calm = [m for m in messages if m["label"] is None]
    assert len(messages) >= 150
    assert len(crisis) >= 70
    assert len(calm) >= 80
    assert {(m["label"], m["language"]) for m in crisis} == {(c, lang) for c in CATEGORIES for lang in ("en", "es")}

    missed = [m["text"] for m in crisis if crisis_signal(m["text"]) is None]
    alarms = [m["text"] for m in calm if crisis_signal(m["text"]) is not None]

    assert missed == []
    assert len(alarms) <= FALSE_ALARMS_MEASURED, alarms
