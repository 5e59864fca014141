"""ASGI entry: HTTP through Django, websockets through Channels with the creator resolved from Host."""

import os

# The web process embeds chat questions beside everything else it serves: one OpenMP thread per
# embedding. Two threads on shared cores spend more CPU waiting for each other at every layer than
# they save (bench/chat_load.py, docs/benchmarks.md). Set before the model loads; workers keep all cores.
os.environ.setdefault("OMP_NUM_THREADS", "1")

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from conversations.consumers import ChatConsumer, InboxConsumer  # noqa: E402
from tenants.websocket import CreatorWebsocketMiddleware  # noqa: E402

websocket_urlpatterns = [
    path("ws/chat/<str:widget_key>/", ChatConsumer.as_asgi()),  # the embeddable widget
    path("ws/app/", ChatConsumer.as_asgi()),  # the companion web app
    path("ws/hub/inbox/", AuthMiddlewareStack(InboxConsumer.as_asgi())),  # the creator's inbox
]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": CreatorWebsocketMiddleware(URLRouter(websocket_urlpatterns)),
    }
)
