"""Imports every domain's tables so that SQLModel.metadata knows them all (for Alembic)."""

from server.program.models import Forum, Person, Session, SessionPerson, Track, Venue

__all__ = ["Forum", "Person", "Session", "SessionPerson", "Track", "Venue"]
