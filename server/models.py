"""Imports every domain's tables so that SQLModel.metadata knows them all (for Alembic)."""

from server.accounts.models import AuthSession, Grant, LoginAttempt, User
from server.attendance.models import (
    Badge,
    CalendarFeed,
    CheckIn,
    Invite,
    Registration,
    SeatPool,
)
from server.marathon.models import Marathon, MarathonChange, MarathonSegment
from server.program.models import Forum, Person, Session, SessionPerson, Track, Venue

__all__ = [
    "AuthSession",
    "Badge",
    "CalendarFeed",
    "CheckIn",
    "Forum",
    "Grant",
    "Invite",
    "LoginAttempt",
    "Marathon",
    "MarathonChange",
    "MarathonSegment",
    "Person",
    "Registration",
    "SeatPool",
    "Session",
    "SessionPerson",
    "Track",
    "User",
    "Venue",
]
