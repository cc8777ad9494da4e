"""A Redis cache that degrades instead of failing when Redis cannot be reached.

Django's own Redis cache raises on every call while Redis is down, and with cached sessions
that turns the login into a 500. Here a call that cannot reach Redis behaves as a miss (reads
return their default, writes do nothing), a warning is logged at most once a minute per
process, and Redis is left alone for ``RETRY_SECONDS`` before it is tried again, so a request
pays a connection timeout at most once in that time, not on every call. What uses the cache
carries on without it: sessions are read from and written to the database (``cached_db``), the
figures are computed live.
"""

from __future__ import annotations

import functools
import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger("hengkou.cache")

RETRY_SECONDS = 10
WARN_EVERY_SECONDS = 60
# Called once when Redis answers again after an outage: writes made meanwhile could not drop
# what the cache held (the figures cache registers its generation bump here).
AFTER_OUTAGE: list = []


def after_outage(hook):
    """Register ``hook()`` to run when Redis answers again after this process saw it down."""
    if hook not in AFTER_OUTAGE:
        AFTER_OUTAGE.append(hook)
    return hook


# Each call and what it answers while Redis is unreachable.
MISS_ANSWERS = {
    "get": lambda args, kwargs: kwargs.get("default", args[1] if len(args) > 1 else None),
    "get_many": lambda args, kwargs: {},
    "has_key": lambda args, kwargs: False,
    "add": lambda args, kwargs: False,
    "set": lambda args, kwargs: None,
    "set_many": lambda args, kwargs: [],
    "touch": lambda args, kwargs: False,
    "delete": lambda args, kwargs: False,
    "delete_many": lambda args, kwargs: None,
    "clear": lambda args, kwargs: None,
    "incr": lambda args, kwargs: _no_such_key(args),
    "decr": lambda args, kwargs: _no_such_key(args),
}


def _no_such_key(args):
    raise ValueError(f"Key {args[0]!r} not found (Redis cannot be reached).")


def _unreachable_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class _Breaker:
    """Whether Redis is worth trying now, and when a warning was last logged (per process)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.warned_at = 0.0
        self.tripped = False

    def closed(self) -> bool:
        return time.monotonic() >= self.down_until

    def recovered(self) -> bool:
        """Return True once after an outage, when a call has reached Redis again."""
        with self.lock:
            if not self.tripped:
                return False
            self.tripped = False
            return True

    def trip(self, error: BaseException, location: str) -> None:
        now = time.monotonic()
        with self.lock:
            self.tripped = True
            self.down_until = now + RETRY_SECONDS
            if now - self.warned_at >= WARN_EVERY_SECONDS or not self.warned_at:
                self.warned_at = now
                logger.warning(
                    "Redis at %s cannot be reached (%s): the cache is skipped and sessions are "
                    "read from the database for %s s before Redis is tried again.",
                    location,
                    error,
                    RETRY_SECONDS,
                )


def _degrading(name: str, answer):
    original = getattr(RedisCache, name)

    @functools.wraps(original)
    def method(self, *args, **kwargs):
        if not self._breaker.closed():
            return answer(args, kwargs)
        try:
            result = original(self, *args, **kwargs)
        except _unreachable_errors() as error:
            self._breaker.trip(error, self._server_location)
            return answer(args, kwargs)
        if self._breaker.recovered():
            logger.warning("Redis at %s answers again.", self._server_location)
            for hook in AFTER_OUTAGE:
                hook()
        return result

    return method


class DegradingRedisCache(RedisCache):
    """Django's Redis cache, answering as a miss while Redis cannot be reached."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._server_location = server
        self._breaker = _Breaker()

    def reachable(self) -> bool:
        """Return whether Redis answers a PING now (for the readiness check)."""
        try:
            return bool(self._cache.get_client(write=False).ping())
        except _unreachable_errors():
            return False


for _name, _answer in MISS_ANSWERS.items():
    setattr(DegradingRedisCache, _name, _degrading(_name, _answer))
