"""Telling every node, and the person's own pages, that somebody's access changed."""

from __future__ import annotations

from server.realtime import recheck
from server.realtime.bus import Bus


async def access_changed(bus: Bus, user_id: int) -> None:
    """After the commit that gave or took access: every node takes the person's open sockets
    out of rooms they may no longer be in, and their pages (the `user:{id}` room) hear
    `access.changed` and read their roles again."""
    await recheck.access_changed(bus, user_id)
    await bus.publish(f"user:{user_id}", "access.changed", {"user": user_id})
