"""A bounded cache of rendered program responses, keyed by the forum's program version.

Programs are read far more than written, and rendering 1,000 sessions in a viewer's zone
costs tens of milliseconds. Every write to a forum's program bumps `Forum.program_version`
(in the same transaction), so a key that includes the version can never serve stale data
to a request that has seen the new version; nodes keep their own caches and need no
coordination.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable


class ResponseCache:
    """LRU of response bodies, bounded by their total size in bytes."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> bytes | None:
        body = self._entries.get(key)
        if body is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return body

    def put(self, key: Hashable, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._size -= len(old)
        self._entries[key] = body
        self._size += len(body)
        while self._size > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._size -= len(evicted)

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return len(self._entries)
