from django.apps import AppConfig


class CoachingConfig(AppConfig):
    """The coaching domain (persona, programs, goals) beside the project wiring."""

    name = "coaching"
