"""What still points at a row the editor is asked to delete, read from the tables' foreign keys.

Reading the references from the metadata (rather than naming each table here) means a table
added later that points at a session, venue or person blocks a deletion, instead of failing it
with an integrity error.
"""

from __future__ import annotations

from sqlalchemy import Column, Table, delete, func, update
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

# Rows that exist only for one session, and go with it when it is deleted outright (which
# happens only when nobody holds an active registration): its cast, seat pools, past
# registrations, invitations and the roles held over it.
BELONG_TO_SESSION = frozenset({"sessionperson", "seatpool", "registration", "invite", "grant"})


def referring(table: str) -> list[tuple[Table, Column[int]]]:
    """Every (table, column) with a foreign key to `table.id`."""
    found = []
    for other in SQLModel.metadata.sorted_tables:
        for key in other.foreign_keys:
            if key.column.table.name == table and key.column.name == "id":
                found.append((other, key.parent))
    return found


async def counts(db: AsyncSession, table: str, row_id: int) -> dict[str, int]:
    """How many rows of each table point at this row (tables with none left out)."""
    found: dict[str, int] = {}
    for other, column in referring(table):
        query = sa_select(func.count()).select_from(other).where(column == row_id)
        count = int((await db.exec(query)).one()[0])  # type: ignore[call-overload]
        if count:
            found[other.name] = found.get(other.name, 0) + count
    return found


def blocking_session_deletion(found: dict[str, int]) -> list[str]:
    """The tables whose rows keep a session from being deleted outright (a marathon segment,
    a rehearsal…): it is cancelled instead."""
    nullable = {
        other.name for other, column in referring("session") if column.nullable
    } - BELONG_TO_SESSION
    return sorted(set(found) - BELONG_TO_SESSION - nullable)


async def release_session(db: AsyncSession, session_id: int) -> None:
    """Remove the rows that belong to the session and unhook those that only mention it
    (a notice keeps its text), so that the session itself can be deleted."""
    for other, column in referring("session"):
        if other.name in BELONG_TO_SESSION:
            await db.exec(delete(other).where(column == session_id))
        elif column.nullable:
            await db.exec(update(other).where(column == session_id).values({column.name: None}))


async def room_rows(db: AsyncSession, session_id: int) -> int:
    """How many rows the session's live rooms hold (chat, questions, polls, announcements,
    settings…): keyed by room name, not by a foreign key. A session whose rooms saw anything is
    cancelled, never deleted: on SQLite a deleted row's id can be given to the next session,
    which would then inherit that room's history."""
    names = [f"session:{session_id}", f"session:{session_id}:staff"]
    total = 0
    for table in SQLModel.metadata.sorted_tables:
        column = table.columns.get("room")
        if column is None:
            continue
        query = sa_select(func.count()).select_from(table).where(column.in_(names))
        total += int((await db.exec(query)).one()[0])  # type: ignore[call-overload]
    return total
