from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    """Chats with end users on every outlet (web widget, WhatsApp, Telegram) and their delivery."""

    name = "conversations"
