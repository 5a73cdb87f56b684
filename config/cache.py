"""Django's Redis cache with one client (and so one connection pool) per process.

Django keeps a cache backend per async context (``caches`` is not thread-critical), and each
``RedisCache`` makes its own client with its own pool: under Daphne every request would open a
new connection to Redis. The client is shared by every instance with the same servers and
options (redis-py's pool is thread-safe)."""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache

_clients: dict[tuple[tuple[str, ...], str], Any] = {}
_lock = threading.Lock()


class SharedRedisCache(RedisCache):
    _servers: list[str]
    _options: dict[str, Any]
    _class: Any

    @property
    def _cache(self) -> Any:
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        client = _clients.get(key)
        if client is None:
            with _lock:
                client = _clients.setdefault(key, self._class(self._servers, **self._options))
        return client
