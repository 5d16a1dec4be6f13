"""The demo's people (DESIGN.md section 9): one account per role, created by `pavilion demo` only.

Idempotent: running the demo again finds them and their grants in place. It lives with the
people and their roles (it was `accounts/demo.py`): it grants roles over the demo forum's
sessions and invites to one of them, which accounts, sitting below the program, cannot see.
"""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.hashing import hash_password
from server.accounts.models import Role, User
from server.accounts.service import find_user, grant
from server.attendance.models import Invite
from server.clock import Clock
from server.program.models import Session
from server.program.service import get_forum

DEMO_PASSWORD = "demo-password"
CLOSED_SESSION = "expert-tech-sovereignty"

# email -> (name, what the account can do, shown at start)
DEMO_PEOPLE = {
    "organiser@demo.pavilion.test": ("Olga Organiser", "organiser of the demo forum"),
    "moderator@demo.pavilion.test": ("Mikhail Moderator", "moderator of every demo session"),
    "speaker@demo.pavilion.test": ("Sofia Speaker", "speaker in every demo session"),
    "exhibitor@demo.pavilion.test": ("Elena Exhibitor", "exhibitor (stands arrive with showrooms)"),
    "attendee@demo.pavilion.test": ("Anton Attendee", "attendee, invited to the closed session"),
}


async def create_demo_people(db: AsyncSession, clock: Clock, forum_slug: str) -> dict[str, str]:
    """Create (or find) the demo accounts and their roles; {email: what it can do}."""
    forum = await get_forum(db, forum_slug)
    password_hash = hash_password(DEMO_PASSWORD)
    users = {
        email: await _person(db, clock, email, name, password_hash)
        for email, (name, _) in DEMO_PEOPLE.items()
    }
    await grant(db, users["organiser@demo.pavilion.test"], Role.organiser, forum_id=forum.id)
    sessions = (await db.exec(select(Session).where(Session.forum_id == forum.id))).all()
    moderator, speaker = users["moderator@demo.pavilion.test"], users["speaker@demo.pavilion.test"]
    for session in sessions:
        await grant(db, moderator, Role.moderator, session_id=session.id)
        await grant(db, speaker, Role.speaker, session_id=session.id)
        if session.slug == CLOSED_SESSION:
            await _accepted_invite(db, clock, users["attendee@demo.pavilion.test"], session)
    await db.commit()
    return {email: what for email, (_, what) in DEMO_PEOPLE.items()}


async def _person(
    db: AsyncSession, clock: Clock, email: str, name: str, password_hash: str
) -> User:
    found = await find_user(db, email)
    if found is not None:
        return found
    user = User(
        email=email,
        name=name,
        password_hash=password_hash,
        organisation="Pavilion demo",
        created_at=clock.now(),
    )
    db.add(user)
    await db.flush()
    return user


async def _accepted_invite(db: AsyncSession, clock: Clock, user: User, session: Session) -> None:
    query = select(Invite).where(Invite.session_id == session.id, Invite.accepted_by == user.id)
    if (await db.exec(query)).first() is not None:
        return
    now = clock.now()
    assert session.id is not None
    db.add(
        Invite(
            session_id=session.id,
            email=user.email,
            token_hash=f"demo-{session.id}-{user.id}",  # accepted already: no usable token
            expires_at=now,
            accepted_by=user.id,
            accepted_at=now,
            created_at=now,
        )
    )
    await db.flush()
