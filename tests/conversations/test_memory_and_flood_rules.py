"""What counts as a fact about the person, and how fast a socket may send."""

from __future__ import annotations

import pytest

from conversations.flood import FrameBucket
from conversations.memory import asks_to_forget, facts_in


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        (
            "Hi, my name is Ana and I want to run a 10k in May. I am allergic to peanuts.",
            [("name", "Ana"), ("goal", "run a 10k in May"), ("constraint", "I am allergic to peanuts")],
        ),
        (
            "Me llamo Lucía. Quiero bajar 5 kilos. Soy vegetariana.",
            [("name", "Lucía"), ("goal", "bajar 5 kilos"), ("constraint", "Soy vegetariana")],
        ),
        ("I prefer morning workouts", [("preference", "morning workouts")]),
        ("I'm Bob.", [("name", "Bob")]),
        ("I'm tired.", []),
        ("I'm so tired of this", []),
        ("What is a good breakfast?", []),
    ],
)
def test_it_keeps_only_what_the_person_said_about_themselves(text, facts):
    assert facts_in(text) == facts


@pytest.mark.parametrize(
    ("text", "forget"),
    [
        ("forget everything", True),
        ("Please forget everything.", True),
        ("Olvida todo", True),
        ("Can you forget about sugar in my plan?", False),
        ("I always forget everything I read", False),
    ],
)
def test_it_recognises_a_request_to_forget(text, forget):
    assert asks_to_forget(text) is forget


def test_a_socket_gets_a_burst_then_a_steady_rate():
    now = [0.0]
    bucket = FrameBucket(burst=3, per_second=2, clock=lambda: now[0])
    assert [bucket.take() for _ in range(3)] == [0, 0, 0]
    assert bucket.take() == pytest.approx(0.5)
    now[0] += 0.5
    assert bucket.take() == 0
    now[0] += 10
    assert [bucket.take() for _ in range(4)][:3] == [0, 0, 0], "refills up to the burst, not beyond"
