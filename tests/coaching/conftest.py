"""The messaging outlets' fixtures (local Telegram and WhatsApp servers, connected bots and numbers)
for coaching's tests, which reach people on those outlets."""

from tests.conversations.outlets.conftest import (  # noqa: F401 - fixtures
    bot,
    committed,
    number,
    platform_for,
    telegram,
    whatsapp,
)
