"""Fetch a web page for the knowledge base without letting anyone reach inside our network.

Every address a name resolves to must be public; the connection is pinned to the checked address
(so DNS cannot change its answer in between), redirects are followed by hand and checked again,
and size and time are bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from knowledge.addresses import AddressNotFound, AddressPrivate, public_address
from knowledge.uploads import UploadRefused

MAX_REDIRECTS = 3
KINDS = {"text/html": "html", "application/xhtml+xml": "html", "text/plain": "txt", "text/markdown": "md",
         "application/pdf": "pdf"}  # fmt: skip


@dataclass(frozen=True)
class FetchedPage:
    url: str
    kind: str
    content: bytes


def _public_address(host: str, port: int) -> str:
    try:
        return public_address(host, port, allowed_private=settings.KNOWLEDGE_URL_ALLOWED_PRIVATE_HOSTS)
    except AddressNotFound as exc:
        raise UploadRefused(_("The address %(host)s could not be found.") % {"host": host}) from exc
    except AddressPrivate as exc:
        raise UploadRefused(_("That address points inside a private network and cannot be imported.")) from exc


def _checked_target(url: str) -> tuple[str, str, str]:
    """(url to connect to, Host header, host for TLS) for a URL whose address is public."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # "http://[::1" and the like
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UploadRefused(_("Give a web address starting with http:// or https://."))
    if parts.username or parts.password:
        raise UploadRefused("Web addresses with a user name or password cannot be imported.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UploadRefused(_("That web address has an invalid port.")) from exc
    address = _public_address(parts.hostname, port)
    netloc = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), host_header, parts.hostname


def fetch_page(url: str) -> FetchedPage:
    limit = settings.KNOWLEDGE_URL_MAX_BYTES
    timeout = httpx.Timeout(settings.KNOWLEDGE_URL_TIMEOUT_SECONDS)
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        for _attempt in range(MAX_REDIRECTS + 1):
            target, host_header, tls_host = _checked_target(url)
            headers = {"Host": host_header, "User-Agent": "Companero-knowledge-import/1.0", "Accept": "text/html,*/*"}
            try:
                with client.stream("GET", target, headers=headers, extensions={"sni_hostname": tls_host}) as response:
                    if response.is_redirect:
                        url = urljoin(url, response.headers.get("location", ""))
                        continue
                    if response.status_code != 200:
                        raise UploadRefused(f"The page answered with status {response.status_code}.")
                    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                    kind = KINDS.get(media_type)
                    if kind is None:
                        raise UploadRefused(f"Pages of type {media_type or 'unknown'} cannot be imported.")
                    declared = int(response.headers.get("content-length") or 0)
                    if declared > limit:
                        raise UploadRefused("The page is larger than the import limit.", 413)
                    body = bytearray()
                    for block in response.iter_bytes():
                        body += block
                        if len(body) > limit:
                            raise UploadRefused("The page is larger than the import limit.", 413)
                    content = bytes(body)
                    if kind != "pdf":  # stored as UTF-8 whatever the page's charset
                        content = content.decode(response.encoding or "utf-8", errors="replace").encode("utf-8")
                    return FetchedPage(url=url, kind=kind, content=content)
            except httpx.TimeoutException as exc:
                raise UploadRefused("The page took too long to answer.") from exc
            except httpx.HTTPError as exc:
                raise UploadRefused(f"The page could not be fetched ({type(exc).__name__}).") from exc
    raise UploadRefused("The page redirects too many times.")
