"""The client's address, the same for every door (HTTP and WebSocket), trusting forwarded
headers only from the configured proxies.

A reverse proxy says who its client was in ``X-Forwarded-For``; anyone else can write that
header too. So the header is read only when the direct peer is one of ``settings.TRUSTED_PROXIES``
(addresses or networks), and then from the right: each trusted proxy appends the address it
saw, so the right-most address that is not itself a trusted proxy is the real client, and
whatever the client wrote further left is ignored. The answer replaces the ASGI scope's
``client`` (Django's ``REMOTE_ADDR``, which django-allauth's per-address rate limits read), and
the forwarded headers are removed so that nothing below reads them by mistake.

Daphne's own ``--proxy-headers`` takes the left-most address, the one the client wrote: it is
not used.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from config.request_limits import App, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_FORWARDED_HEADERS = frozenset({b"x-forwarded-for", b"x-real-ip", b"forwarded"})


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """``TRUSTED_PROXIES`` entries (``10.0.0.1``, ``10.0.0.0/8``, ``::1``) as networks."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _address(text: str) -> Address | None:
    """An address as a proxy writes it: bare, ``[v6]``, ``[v6]:port`` or ``v4:port``."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, proxies: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_address(
    peer: str | None, forwarded_for: Iterable[str], proxies: tuple[Network, ...]
) -> str | None:
    """The client's address given the direct ``peer`` and the ``X-Forwarded-For`` values."""
    seen = _address(peer) if peer else None
    if seen is None or not _trusted(seen, proxies):
        return peer
    hops = [hop for value in forwarded_for for hop in value.split(",")]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # not written by a proxy we trust: the nearest trusted hop stands for it
        seen = address
        if not _trusted(address, proxies):
            break
    return str(seen)


class ClientAddress:
    """ASGI middleware: sets ``scope["client"]`` to the real client (see the module)."""

    def __init__(self, app: App, proxies: Iterable[str] | None = None) -> None:
        self.app = app
        if proxies is None:
            from django.conf import settings

            proxies = settings.TRUSTED_PROXIES
        self.proxies = parse_networks(proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope.get("headers") or []
        forwarded = [v.decode("latin-1") for k, v in headers if k.lower() == b"x-forwarded-for"]
        client: Any = scope.get("client")
        peer = client[0] if client else None
        address = client_address(peer, forwarded, self.proxies)
        scope = dict(scope)
        if any(k.lower() in _FORWARDED_HEADERS for k, _ in headers):
            scope["headers"] = [(k, v) for k, v in headers if k.lower() not in _FORWARDED_HEADERS]
        if address is not None:
            scope["client"] = (address, client[1] if client and address == peer else 0)
        await self.app(scope, receive, send)
