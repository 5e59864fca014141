"""Streamed responses served the way the server runs them.

Static files (WhiteNoise) and other file responses stream from a synchronous file iterator. Under
ASGI, Django then reads the whole file into memory and warns on every such response. This
middleware hands ASGI an asynchronous iterator that reads each chunk in a worker thread instead;
under WSGI it changes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse

_END = object()


async def _chunks(iterator: Iterator[bytes], close: Callable[[], None] | None) -> AsyncIterator[bytes]:
    step = sync_to_async(next, thread_sensitive=False)
    try:
        while (chunk := await step(iterator, _END)) is not _END:
            yield chunk
    finally:
        if close is not None:
            await sync_to_async(close, thread_sensitive=False)()


class AsyncStreamingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        under_asgi = hasattr(request, "scope")
        if under_asgi and isinstance(response, StreamingHttpResponse) and not response.is_async:
            file = getattr(response, "file_to_stream", None)
            response.streaming_content = _chunks(iter(response.streaming_content), getattr(file, "close", None))
        return response
