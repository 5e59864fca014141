from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project's wiring: settings, URL confs, ASGI/WSGI, the launcher and the platform commands."""

    name = "config"
    verbose_name = "Platform"
