"""A Redis cache that degrades to "no cache" when Redis is unreachable, instead of failing requests."""

import logging
import time
from datetime import timedelta
from typing import Any

from flask_caching.backends.rediscache import RedisCache

log = logging.getLogger("geotour.cache")
WARN_EVERY_S = 30


class ResilientRedisCache(RedisCache):
    """Flask-Caching's RedisCache; any Redis error counts as a miss and is logged (at most every 30 s)."""

    _last_warning = 0.0

    def _failed(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - ResilientRedisCache._last_warning > WARN_EVERY_S:
            ResilientRedisCache._last_warning = now
            log.warning("Redis cache unavailable (%s: %s); serving uncached", operation, exc)

    def _guard(self, operation: str, fallback: Any, *args: Any, **kwargs: Any) -> Any:
        import redis

        try:
            return getattr(super(), operation)(*args, **kwargs)
        except (redis.exceptions.RedisError, OSError) as exc:
            self._failed(operation, exc)
            return fallback

    def get(self, key: str) -> Any:
        """Return the cached value, or None (also when Redis is down)."""
        return self._guard("get", None, key)

    def set(self, key: str, value: Any, timeout: int | timedelta | None = None) -> Any:
        """Store a value; False when Redis is down."""
        return self._guard("set", False, key, value, timeout)

    def add(self, key: str, value: Any, timeout: int | timedelta | None = None) -> Any:
        """Store a value if absent; False when Redis is down."""
        return self._guard("add", False, key, value, timeout)

    def delete(self, key: str) -> Any:
        """Delete a value; False when Redis is down."""
        return self._guard("delete", False, key)

    def get_many(self, *keys: str) -> Any:
        """Return the cached values (None for each when Redis is down)."""
        return self._guard("get_many", [None] * len(keys), *keys)

    def set_many(self, mapping: dict[str, Any], timeout: int | timedelta | None = None) -> Any:
        """Store several values; an empty list when Redis is down."""
        return self._guard("set_many", [], mapping, timeout)

    def has(self, key: str) -> Any:
        """Tell whether a key exists; False when Redis is down."""
        return self._guard("has", False, key)
