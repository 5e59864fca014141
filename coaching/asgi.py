"""ASGI entry: HTTP through Django, websockets through Channels with the creator resolved from Host."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coaching.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from tenants.websocket import CreatorWebsocketMiddleware  # noqa: E402

websocket_urlpatterns: list = []

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": CreatorWebsocketMiddleware(URLRouter(websocket_urlpatterns)),
    }
)
