"""The base of every push model, and the pushes of the realtime layer itself.

A push is `{"room", "epoch", "seq", "type", "data"}` (server/realtime/frames.py); each `type`
has a model of its `data` in one registry (server/pushes.py, which gathers the domains'
models: this layer knows none of them). A model describes the data as it goes on the wire:
instants as RFC 3339 strings with a zone, enums as their values.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class PushData(BaseModel):
    """The `data` of one push type; nothing beyond its fields."""

    model_config = ConfigDict(extra="forbid")


class RoomReset(PushData):
    """`room.reset` (seq 0): the bus lost the room's place (this subscriber fell behind, or
    Redis lost the history); join again with `since`."""

    reason: Literal["behind", "history lost"]


class RoomClosed(PushData):
    """`room.closed` (seq 0): this socket was taken out of `room`, answered as a join would
    have been (server/realtime/recheck.py)."""

    room: str
    code: Literal["forbidden", "not_found"]


class AccessChanged(PushData):
    """`access.changed`: somebody's roles changed (in `user:{id}`, and on the nodes' own
    `node:access` room, where it starts the re-check of their open sockets)."""

    user: int
