"""Reads the showrooms' verbs share (pretalx's `queries`): a stand by its address, its staff,
whether someone is one of them, people's names, the free meeting slots. No writes here."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.clock import Clock
from server.errors import Forbidden, NotFound
from server.expo.models import Meeting, Slot, Stand, StandStaff
from server.expo.schemas import SlotPublic
from server.expo.views import slot_view

MAX_OFFERS = 8


async def stand_by_slug(db: AsyncSession, slug: str) -> Stand:
    """A listed stand; NotFound for a stand that left its pack, as for one that never was."""
    stand = (await db.exec(select(Stand).where(Stand.slug == slug, col(Stand.listed)))).first()
    if stand is None:
        raise NotFound(f"stand: no stand {slug!r}", field="stand")
    return stand


async def staff_of(db: AsyncSession, stand_id: int) -> list[StandStaff]:
    query = (
        select(StandStaff).where(StandStaff.stand_id == stand_id).order_by(col(StandStaff.position))
    )
    return list((await db.exec(query)).all())


async def staff_row(db: AsyncSession, stand: Stand, user: User) -> StandStaff:
    """The user's place on the stand's staff; Forbidden for everyone else."""
    query = select(StandStaff).where(StandStaff.stand_id == stand.id, StandStaff.user_id == user.id)
    found = (await db.exec(query)).first()
    if found is None:
        raise Forbidden(f"stand: only the staff of {stand.slug!r} may do this")
    return found


async def require_staff(db: AsyncSession, stand: Stand, user: User) -> None:
    """Only the stand's own staff see and handle its leads (everyone else: forbidden)."""
    await staff_row(db, stand, user)


async def staffed_stand(db: AsyncSession, slug: str, user: User) -> Stand:
    """The stand at `slug`, for one of its staff (NotFound, then Forbidden)."""
    stand = await stand_by_slug(db, slug)
    await require_staff(db, stand, user)
    return stand


async def names(db: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = (await db.exec(select(User.id, User.name).where(col(User.id).in_(ids)))).all()
    return {i: n for i, n in rows if i is not None}


async def free_slots(db: AsyncSession, clock: Clock, stand_id: int) -> list[SlotPublic]:
    """The stand's meeting slots still free and ahead, soonest first (at most MAX_OFFERS)."""
    booked = select(Meeting.slot_id)
    query = (
        select(Slot)
        .where(Slot.stand_id == stand_id, Slot.starts_at > clock.now(), col(Slot.id).not_in(booked))
        .order_by(col(Slot.starts_at))
        .limit(MAX_OFFERS)
    )
    slots = (await db.exec(query)).all()
    known = await names(db, {s.staff_id for s in slots})
    return [slot_view(s, known.get(s.staff_id, "")) for s in slots]
