from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Outcomes and usage a creator reads: what happened, measured per creator schema."""

    name = "analytics"
