"""The frames of the room socket (DESIGN.md section 4): requests in, replies and pushes out.

Replies and pushes are encoded here and nowhere else, so every frame has the one shape.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from server.errors import DomainError, Invalid
from server.realtime.bus import Event

MAX_FRAME_BYTES = 64 * 1024


class Request(BaseModel):
    """`{"id": 7, "op": "chat.send", "room": "session:42", "data": {...}}`"""

    model_config = ConfigDict(extra="forbid")

    id: int | str | None = None
    op: str = Field(min_length=1, max_length=40)
    room: str | None = Field(default=None, min_length=1, max_length=120)
    data: dict[str, Any] = Field(default_factory=dict)

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_sent(cls, value: Any) -> Any:
        """The reply carries the id exactly as sent: no `true` turned into 1, no 1.0 into 1
        (and the error names `id`, not pydantic's `id.int`)."""
        if value is None or isinstance(value, str) or type(value) is int:
            return value
        raise PydanticCustomError("id_type", "an integer or a string")


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def parse_request(text: str) -> Request:
    """The request in a text frame; Invalid (naming the field) when it is not one."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid(f"frame: not JSON ({exc.msg})", field="frame") from None
    except ValueError:  # an integer beyond Python's limit on digits
        raise Invalid("frame: a number in it has too many digits", field="frame") from None
    except RecursionError:
        raise Invalid("frame: nested too deeply", field="frame") from None
    if not isinstance(raw, dict):
        raise Invalid("frame: a request is a JSON object", field="frame")
    try:
        return Request.model_validate(raw)
    except ValidationError as exc:
        raise invalid_from(exc) from None


def invalid_from(exc: ValidationError, prefix: str = "") -> Invalid:
    """The first problem pydantic found, as an Invalid naming the field."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "data"
    field = f"{prefix}{where}"
    return Invalid(f"{field}: {first['msg']}", field=field)


def request_id(text: str) -> int | str | None:
    """The id of a frame that failed validation, if one can be read, so the error pairs up."""
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        return None
    found = raw.get("id") if isinstance(raw, dict) else None
    return found if isinstance(found, str) or type(found) is int else None


def reply(frame_id: int | str | None, data: dict[str, Any]) -> str:
    return _dumps({"id": frame_id, "ok": True, "data": data})


def join_reply(
    frame_id: int | str | None, recovered: bool, epoch: str, seq: int, snapshot: str | None
) -> str:
    """The reply to a `room.join`, the snapshot spliced in as the JSON text it already is (a
    join storm encodes a room's shared snapshot once, not once per joiner)."""
    head = _dumps({"id": frame_id, "ok": True})[:-1]
    data = _dumps({"recovered": recovered, "epoch": epoch, "seq": seq})
    if snapshot is None:
        return f'{head},"data":{data}}}'
    return f'{head},"data":{data[:-1]},"snapshot":{snapshot}}}}}'


def error(frame_id: int | str | None, problem: DomainError) -> str:
    body = {"code": problem.code, "message": problem.message, **problem.details}
    return _dumps({"id": frame_id, "ok": False, "error": body})


def push(event: Event) -> str:
    """A room event as the bytes every member receives (encoded once per event per node)."""
    return _dumps(
        {
            "room": event.room,
            "epoch": event.epoch,
            "seq": event.seq,
            "type": event.type,
            "data": event.data,
        }
    )
