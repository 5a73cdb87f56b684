"""Which pages may open the live socket: an origin is compared on scheme, host and port.

An allowed origin is written ``scheme://host[:port]``. The port defaults to the scheme's (80 for
http, 443 for https); ``:*`` allows any port. A host starting with a dot allows its subdomains
too and ``*`` any host, as in ``ALLOWED_HOSTS``. Without ``WEBSOCKET_ALLOWED_ORIGINS`` the
origins come from the allowed hosts: ``https://<host>`` (port 443) in production, and
``http://<host>:*`` in development, where ``make run`` serves plain http on a port of the
developer's choosing. A missing Origin is always refused.

Plain functions without Django's settings: the settings module uses them to build the list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from django.utils.http import is_same_domain

DEFAULT_PORTS = {"http": 80, "https": 443}
ANY_PORT = ":*"


@dataclass(frozen=True)
class AllowedOrigin:
    scheme: str
    host: str
    port: int | None  # None: any port

    def admits(self, scheme: str, host: str, port: int) -> bool:
        return (
            scheme == self.scheme
            and (self.port is None or port == self.port)
            and (self.host == "*" or is_same_domain(host, self.host))
        )


def parse_allowed(pattern: str) -> AllowedOrigin:
    """``scheme://host[:port]`` → an allowed origin; ValueError says what is wrong."""
    text = pattern.strip().lower()
    any_port = text.endswith(ANY_PORT)
    parts = urlsplit(text.removesuffix(ANY_PORT) if any_port else text)
    if "://" not in text:
        raise ValueError(f"{pattern!r} has no scheme: write https://{text} (or http://)")
    if parts.scheme not in DEFAULT_PORTS or not parts.netloc:
        raise ValueError(f"{pattern!r} is not an origin: write http(s)://host[:port]")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"{pattern!r} is not an origin: only scheme://host[:port]")
    host = parts.hostname or ""
    try:
        port = None if any_port else parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError as error:
        raise ValueError(f"{pattern!r} is not an origin: {error}") from None
    return AllowedOrigin(parts.scheme, host.rstrip("."), port)


def allowed_origins(explicit: list[str], hosts: Iterable[str], *, production: bool) -> list[str]:
    """The configured origins, or else those of the allowed hosts (https on 443 in production,
    http on any port in development); ValueError names the first that is not an origin."""
    origins = explicit or [
        f"https://{host}" if production else f"http://{host}{ANY_PORT}" for host in hosts
    ]
    for origin in origins:
        parse_allowed(origin)
    return origins


@cache
def _parsed(patterns: tuple[str, ...]) -> tuple[AllowedOrigin, ...]:
    return tuple(parse_allowed(p) for p in patterns)


def origin_allowed(origin: str | None, patterns: Iterable[str]) -> bool:
    """Whether a page at ``origin`` (the Origin header) may open the socket."""
    if not origin:
        return False
    try:
        parts = urlsplit(origin.strip().lower())
        scheme, host = parts.scheme, parts.hostname
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:
        return False
    if not host or port is None:
        return False
    return any(allowed.admits(scheme, host, port) for allowed in _parsed(tuple(patterns)))
