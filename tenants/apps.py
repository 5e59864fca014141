from django.apps import AppConfig


class TenantsConfig(AppConfig):
    """Creators (one Postgres schema each), their hosts, people and roles: all in the public schema."""

    name = "tenants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from tenants.middleware import bind_session_to_host

        # The one login hook that allauth, the admin and hub hand-offs all pass through.
        user_logged_in.connect(
            lambda sender, request, user, **kwargs: bind_session_to_host(request),
            dispatch_uid="compa.bind_session_to_host",
            weak=False,
        )
