"""Is an address on the public internet? One answer for every URL the server calls that a user chose.

The web-page import and web push both ask here (higher apps import this; it imports none of them).
IPv6 forms that carry an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4) are judged by
the IPv4 address inside, since that is where the packets can end up.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Collection

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# RFC 8215: NAT64 inside one network, with a prefix length of the operator's choosing, so the IPv4
# address cannot be told apart; never public.
LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


class AddressRefused(Exception):
    """A host that must not be called."""


class AddressNotFound(AddressRefused):
    """The name does not resolve."""


class AddressPrivate(AddressRefused):
    """The name resolves (at least partly) inside a private network."""


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, where it stands for one."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64 or (ip in IPV4_COMPATIBLE and int(ip) > 1):  # :: and ::1 are IPv6's own
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def ip_is_public(ip: IPAddress) -> bool:
    if ip in LOCAL_NAT64:
        return False
    inner = embedded_ipv4(ip)
    if inner is not None:
        ip = inner
    return ip.is_global and not ip.is_multicast


def public_address(host: str, port: int, *, allowed_private: Collection[str] = ()) -> str:
    """One address `host` resolves to, once every address it resolves to is public.

    Connect to the returned address (not the name) so DNS cannot answer differently in between.
    `allowed_private` holds "host:port" pairs trusted although private (tests, an intranet).
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressNotFound(host) from exc
    addresses = {info[4][0] for info in infos}
    trusted = f"{host}:{port}" in {entry.strip() for entry in allowed_private}
    for address in addresses:
        if not trusted and not ip_is_public(ipaddress.ip_address(address.split("%", 1)[0])):
            raise AddressPrivate(host)
    return sorted(addresses)[0]
