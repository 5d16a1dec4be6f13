"""Telling every node, and the person's own pages, that somebody's access changed.

Part of the realtime layer (it was `people/revocation.py`): roles (server/people/) and
invitations (server/attendance/) both take access away, and attendance sits below people."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from server.realtime.recheck import ACCESS_ROOM
from server.unit import publish_after


def access_changed(db: AsyncSession, user_id: int) -> None:
    """Once the unit that gave or took access commits: every node takes the person's open
    sockets out of rooms they may no longer be in (server/realtime/recheck.py), and their
    pages (the `user:{id}` room) hear `access.changed` and read their roles again."""
    data = {"user": user_id}
    publish_after(db, ACCESS_ROOM, "access.changed", data, volatile=True)
    publish_after(db, f"user:{user_id}", "access.changed", data)


def signed_out(db: AsyncSession, user_id: int) -> None:
    """Once the unit that ended some of this person's sign-in sessions commits (signing out, a
    password reset or change): every node closes their open sockets whose token no longer
    signs them in (`CloseCode.signed_out`), and re-checks the others' rooms."""
    publish_after(db, ACCESS_ROOM, "access.changed", {"user": user_id}, volatile=True)
