"""Rate limits for the room socket: token buckets per connection and per user."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from server.errors import RateLimited


class TokenBucket:
    """`rate` actions per second on average, bursts of up to `burst`.

    Uses a monotonic clock (injectable) because only durations matter and nothing is stored."""

    def __init__(
        self, rate: float, burst: float, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._now = now
        self._tokens = burst
        self._at = now()

    def take(self, what: str) -> None:
        """Spend one token, or raise RateLimited with the seconds until one is back."""
        now = self._now()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1:
            # Rounded up (never 0: retrying at once would only be refused again).
            wait = math.ceil((1 - self._tokens) / self.rate * 100) / 100
            raise RateLimited(
                f"{what}: too many requests; try again in {wait:.2f} s", retry_after=wait
            )
        self._tokens -= 1


class UserBuckets:
    """One token bucket per user, created on first use; small and bounded by active users."""

    def __init__(self, rate: float, burst: float, limit: int = 100_000) -> None:
        self._rate = rate
        self._burst = burst
        self._limit = limit
        self._buckets: dict[int, TokenBucket] = {}

    def bucket_for(self, user_id: int) -> TokenBucket:
        bucket = self._buckets.get(user_id)
        if bucket is None:
            if len(self._buckets) >= self._limit:
                self._buckets.clear()  # forgetting allowances only ever grants more
            bucket = self._buckets[user_id] = TokenBucket(self._rate, self._burst)
        return bucket
