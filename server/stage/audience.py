"""Who watches a session's HLS stream right now: the people who fetched its playlist lately.

A player re-reads the live playlist every segment (a few seconds), so someone whose last fetch
is older than WINDOW_SECONDS has stopped watching. Only counted, for /metrics; bounded by the
people actually watching."""

from __future__ import annotations

import time
from collections.abc import Callable

WINDOW_SECONDS = 30.0


class HlsAudience:
    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._seen: dict[int, dict[int, float]] = {}

    def seen(self, session_id: int, user_id: int) -> None:
        self._seen.setdefault(session_id, {})[user_id] = self._now()

    def counts(self) -> dict[int, int]:
        """Viewers per session (sessions nobody watches are forgotten)."""
        horizon = self._now() - WINDOW_SECONDS
        for session_id in list(self._seen):
            people = self._seen[session_id]
            for user_id in [u for u, at in people.items() if at < horizon]:
                del people[user_id]
            if not people:
                del self._seen[session_id]
        return {session_id: len(people) for session_id, people in self._seen.items()}
