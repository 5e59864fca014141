"""Local servers speaking outside services' real protocols, for tests and `make run` trials."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def loopback_target(url: str) -> tuple[str, dict[str, str]]:
    """`*.localhost` names loopback (RFC 6761) but not every resolver knows it (this machine's does
    not): connect to 127.0.0.1 and keep the name in the Host header, as browsers do."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host != "localhost" and not host.endswith(".localhost"):
        return url, {}
    netloc = parts.netloc.rsplit("@", 1)[-1]
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"127.0.0.1{port}", parts.path, parts.query, parts.fragment)), {"Host": netloc}
