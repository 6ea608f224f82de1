"""The per-token rate limit: API_RATE_LIMIT_PER_MINUTE requests a clock minute.

A counter per token and minute in Django's cache (Redis when REDIS_URL is set, so
every web process counts together; the process's memory otherwise). A cache that is
down lets requests through, as the studio's other cache users do: the API keeps
working while Redis is away, only unlimited.
"""

from __future__ import annotations

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

WINDOW = 60


class RateLimited(Exception):
    def __init__(self, retry_after: int, limit: int) -> None:
        self.retry_after = retry_after
        self.limit = limit
        super().__init__(
            f"Too many requests with this API token: at most {limit} a minute. "
            f"Try again in {retry_after} seconds."
        )


def per_minute() -> int:
    return int(settings.API_RATE_LIMIT_PER_MINUTE)


def rate_check(token_id: int) -> None:
    """Count one request of the token; RateLimited when it is over this minute's limit."""
    limit = per_minute()
    now = time.time()
    window = int(now // WINDOW)
    key = f"api-rate:{token_id}:{window}"
    try:
        cache.add(key, 0, timeout=WINDOW + 5)
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr: the window just turned
        return
    except Exception:  # Redis down: fail open, like the studio's other cache users
        log.warning("rate-limit cache unavailable; request let through")
        return
    if count > limit:
        retry_after = max(1, math.ceil((window + 1) * WINDOW - now))
        raise RateLimited(retry_after, limit)
