"""Bounded caches of rendered programs, keyed by the forum's program version.

Programs are read far more than written. Every write to a forum's program bumps
`Forum.program_version` in the same transaction, so a key that includes the version can
never serve stale data to a request that has seen the new version; nodes keep their own
caches and need no coordination.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class BoundedCache(Generic[V]):
    """LRU of values, bounded by their total weight (bytes, for response bodies)."""

    def __init__(self, max_weight: int, weigh: Callable[[V], int]) -> None:
        self.max_weight = max_weight
        self._weigh = weigh
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._weight = 0

    def get(self, key: Hashable) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def put(self, key: Hashable, value: V) -> None:
        weight = self._weigh(value)
        if weight > self.max_weight:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._weight -= old[1]
        self._entries[key] = (value, weight)
        self._weight += weight
        while self._weight > self.max_weight:
            _, (_, evicted) = self._entries.popitem(last=False)
            self._weight -= evicted

    @property
    def weight(self) -> int:
        return self._weight

    def __len__(self) -> int:
        return len(self._entries)
