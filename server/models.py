"""Imports every domain's tables so that SQLModel.metadata knows them all (for Alembic)."""

from server.marathon.models import Marathon, MarathonChange, MarathonSegment
from server.program.models import Forum, Person, Session, SessionPerson, Track, Venue

__all__ = [
    "Forum",
    "Marathon",
    "MarathonChange",
    "MarathonSegment",
    "Person",
    "Session",
    "SessionPerson",
    "Track",
    "Venue",
]
