"""Static files and other streamed responses under ASGI: served whole, with no warning each time."""

from __future__ import annotations

import warnings

import pytest
from asgiref.testing import ApplicationCommunicator

pytestmark = [pytest.mark.django_db, pytest.mark.asyncio]


async def test_a_static_file_streams_under_asgi_without_a_warning(platform):
    from config.asgi import application

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/static/compa/chat.js", "raw_path": b"/static/compa/chat.js", "query_string": b"",
        "headers": [(b"host", b"localhost:8000")], "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    communicator = ApplicationCommunicator(application, scope)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await communicator.send_input({"type": "http.request", "body": b""})
        response = await communicator.receive_output(10)
        response["body"] = b""
        while True:
            chunk = await communicator.receive_output(10)
            response["body"] += chunk.get("body", b"")
            if not chunk.get("more_body", False):
                break
    assert response["status"] == 200
    assert b"WebSocket" in response["body"], "the whole file arrived"
    assert not [w for w in caught if "StreamingHttpResponse" in str(w.message)], [str(w.message) for w in caught]
