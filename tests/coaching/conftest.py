"""The messaging outlets' fixtures (local Telegram and WhatsApp servers, connected bots and numbers)
for coaching's tests, which reach people on those outlets."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conversations.outlets.conftest import (  # noqa: F401 - fixtures
    bot,
    committed,
    number,
    platform_for,
    telegram,
    whatsapp,
)

MADRID = ZoneInfo("Europe/Madrid")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """Monday 2 November 2026 plus `day`, at a Madrid wall-clock time, as UTC (the rules' tests)."""
    return (datetime(2026, 11, 2, hour, minute, tzinfo=MADRID) + timedelta(days=day)).astimezone(UTC)


@pytest.fixture
def madrid_creator(alpha):
    """Alpha coaches from Madrid: people with no timezone of their own live in Madrid time."""
    from tenants.models import Creator

    was = alpha.creator.timezone
    Creator.objects.filter(pk=alpha.creator.pk).update(timezone="Europe/Madrid")
    alpha.creator.timezone = "Europe/Madrid"
    yield
    alpha.creator.timezone = was  # the seeded team outlives the test (the row rolls back by itself)


@pytest.fixture
def rules_drive(clock, jobs):
    """Move the clock to a moment and run the scheduler's tick and the jobs it queues."""
    from coaching.tasks import proactive_tick_now

    def at(moment: datetime) -> None:
        clock.clock_set(moment)
        proactive_tick_now()
        jobs()

    return at
