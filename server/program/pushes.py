"""The program's pushes: a session's status moved (`session.status` in `session:{id}`), and
the forum's program changed (`program.changed` in `forum:{slug}`). The marathon's runner
pushes richer forms of both (server/marathon/pushes.py)."""

from __future__ import annotations

from server.program.models import ChangeReason, SessionStatus
from server.program.runner import StatusReason
from server.realtime.pushes import PushData


class SessionStatusPush(PushData):
    """`session.status` from the program's runner, the editor or an import."""

    session: int
    status: SessionStatus


class ProgramChanged(PushData):
    """`program.changed`: these sessions' entries changed; pages showing them read again."""

    forum: str  # the forum's slug
    sessions: list[int]
    reason: ChangeReason | StatusReason
