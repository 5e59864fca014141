from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    """The creator's material: ingestion, retrieval and grounded answers (LangChain, Chroma)."""

    name = "knowledge"
