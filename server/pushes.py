"""The push registry: every push `type` the server sends over /ws, and the model of its `data`.

Together with /openapi.json this is the contract other clients build on (docs/rooms.md lists
the same types, and a test keeps the two equal). Each domain keeps its models beside it
(`server/<domain>/pushes.py`); this module, at the top like app.py, gathers them. `FOLDED`
names the types a client folds into a room's snapshot (frontend/snapshot.js, whose
`FOLDED_TYPES` a test holds equal to it); the others are news a page acts on.

`PushAudit` checks pushes against the registry as they are published: `create_app` hands
one to the bus when `PAVILION_CHECK_PUSHES` is on (the test suite turns it on for every app
and every `pavilion serve` it starts), and it appends each push that does not validate, and
the first of each type it sees, to `PAVILION_PUSH_AUDIT` as JSON lines.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, RootModel, ValidationError

from server.expo import pushes as expo
from server.marathon import pushes as marathon
from server.notices.models import NoticePublic
from server.program import pushes as program
from server.realtime import pushes as realtime
from server.realtime.bus import Check
from server.rooms import pushes as rooms
from server.settings import Settings
from server.stage import pushes as stage

log = logging.getLogger("pavilion.pushes")


class SessionStatus(RootModel[program.SessionStatusPush | marathon.SegmentStatus]):
    """`session.status`: from the program's runner, the editor or an import; or, richer,
    from the marathon's runner."""


class ProgramChanged(RootModel[program.ProgramChanged | marathon.Replanned]):
    """`program.changed`: an edit, an import or the clock; or a marathon's re-plan."""


PUSHES: dict[str, type[BaseModel]] = {
    # the socket itself (seq 0, never published on the bus)
    "room.reset": realtime.RoomReset,
    "room.closed": realtime.RoomClosed,
    # session, staff and private rooms
    "chat.message": rooms.MessagePush,
    "chat.edited": rooms.MessagePush,
    "chat.deleted": rooms.MessageDeleted,
    "room.settings": rooms.RoomSettings,
    "qa.question": rooms.QuestionPush,
    "qa.updated": rooms.QuestionPush,
    "qa.votes": rooms.QuestionVotes,
    "poll.state": rooms.PollPush,
    "poll.results": rooms.PollResultsPush,
    "reaction.counts": rooms.ReactionCounts,
    "presence.counts": rooms.PresenceCounts,
    "presence.list": rooms.PresenceList,
    "hand.queue": rooms.HandQueue,
    "hand.state": rooms.HandState,
    "announcement": rooms.AnnouncementPush,
    "call.signal": rooms.CallSignalPush,
    "stage.state": stage.StageState,
    "stage.levels": stage.StageLevels,
    "stage.preview": stage.StagePreview,
    # the program, on the clock and by hand; the marathon's relay
    "session.status": SessionStatus,
    "program.changed": ProgramChanged,
    "marathon.handover": marathon.Handover,
    # a person's own room
    "chat.muted": rooms.Muted,
    "notice": NoticePublic,
    "access.changed": realtime.AccessChanged,
    "contact.ring": expo.ContactRing,
    "contact.answered": expo.ContactAnswered,
    "contact.closed": expo.ContactClosed,
    "contact.missed": expo.ContactMissed,
    "meeting.booked": expo.MeetingBooked,
    "meeting.cancelled": expo.MeetingCancelled,
}

FOLDED: frozenset[str] = frozenset(
    {
        "chat.message",
        "chat.edited",
        "chat.deleted",
        "room.settings",
        "session.status",
        "qa.question",
        "qa.updated",
        "qa.votes",
        "poll.state",
        "poll.results",
        "presence.counts",
        "presence.list",
        "hand.queue",
        "hand.state",
        "announcement",
    }
)


def problem(type: str, data: dict[str, Any]) -> str | None:
    """What is wrong with a push of `type` carrying `data`, as its members would receive it
    (encoded as server/realtime/frames.py encodes it); None when it matches its model."""
    model = PUSHES.get(type)
    if model is None:
        return f"{type}: no model in the push registry (server/pushes.py)"
    try:
        wire = json.dumps(data, ensure_ascii=False, default=str)
        model.model_validate_json(wire, strict=True, extra="forbid")
    except ValidationError as exc:
        return "; ".join(_where(e["loc"]) + e["msg"] for e in exc.errors())
    except (TypeError, ValueError) as exc:
        return f"not JSON: {exc}"
    return None


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(map(str, loc)) + ": " if loc else ""


class PushAudit:
    """A bus check (server/realtime/bus.py) that validates every push against the registry.

    Each failure becomes a line `{"kind": "bad", "room", "type", "error", "data"}` in the audit
    file (or an error in the log without one), and the first push of each type this audit
    sees a line `{"kind": "seen", "type"}`. Appending a line is a small blocking write, made
    only while checking is on (tests, a staging node)."""

    def __init__(self, audit: Path | None) -> None:
        self._audit = audit
        self._seen: set[str] = set()

    def __call__(self, room: str, type: str, data: dict[str, Any]) -> None:
        if type not in self._seen:
            self._seen.add(type)
            self._record({"kind": "seen", "type": type})
        error = problem(type, data)
        if error is not None:
            log.error("room %s: push %s does not match its model: %s", room, type, error)
            self._record({"kind": "bad", "room": room, "type": type, "error": error, "data": data})

    def _record(self, line: dict[str, Any]) -> None:
        if self._audit is None:
            return
        text = json.dumps(line, ensure_ascii=False, default=str) + "\n"
        # One append per line, unbuffered: lines of other apps and processes do not interleave.
        fd = os.open(self._audit, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)


def push_check(settings: Settings) -> Check | None:
    """The check `create_app` hands to the bus: a PushAudit when PAVILION_CHECK_PUSHES is on."""
    return PushAudit(settings.push_audit) if settings.check_pushes else None
