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
from server.expo.models import Pavilion, Product, SearchEntry, SearchTerm, Stand, StandStaff
from server.marathon.models import Marathon, MarathonChange, MarathonSegment
from server.program.models import Forum, Person, Session, SessionPerson, Track, Venue
from server.rooms.models import (
    Announcement,
    ChatMessage,
    Hand,
    Poll,
    PollOption,
    PollVote,
    PrivateRoom,
    PrivateRoomMember,
    Question,
    QuestionVote,
    RoomMute,
    RoomSettings,
)

__all__ = [
    "Announcement",
    "AuthSession",
    "Badge",
    "CalendarFeed",
    "ChatMessage",
    "CheckIn",
    "Forum",
    "Grant",
    "Hand",
    "Invite",
    "LoginAttempt",
    "Marathon",
    "MarathonChange",
    "MarathonSegment",
    "Pavilion",
    "Person",
    "Poll",
    "PollOption",
    "PollVote",
    "PrivateRoom",
    "PrivateRoomMember",
    "Product",
    "Question",
    "QuestionVote",
    "Registration",
    "RoomMute",
    "RoomSettings",
    "SearchEntry",
    "SearchTerm",
    "SeatPool",
    "Session",
    "SessionPerson",
    "Stand",
    "StandStaff",
    "Track",
    "User",
    "Venue",
]
