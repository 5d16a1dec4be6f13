"""The showrooms' pushes, each into one person's own room (`user:{id}`): a visitor's "talk to
us now" ringing a stand's staff on duty, its outcome for the visitor and for the colleagues
rung, and meetings booked or cancelled (server/expo/leads.py, server/expo/meetings.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime

from server.expo.models import MeetingMode
from server.realtime.pushes import PushData


class Named(PushData):
    name: str


class StandNames(PushData):
    slug: str
    name: str
    name_ru: str


class SlotOffer(PushData):
    """A free meeting slot offered after a missed request."""

    id: int
    start: AwareDatetime
    end: AwareDatetime
    tz: str  # the zone it was set in
    staff: Named
    mode: MeetingMode


class ContactRing(PushData):
    """`contact.ring`, to each staff member on duty: a visitor asks to talk now."""

    request: int
    stand: StandNames
    visitor: Named
    message: str
    expires_at: AwareDatetime


class ContactAnswered(PushData):
    """`contact.answered`, to the visitor: the private room where the staff member waits."""

    request: int
    room: str
    by: Named


class ContactClosed(PushData):
    """`contact.closed`, to the staff rung: the request stops ringing."""

    request: int
    state: Literal["answered", "missed"]


class ContactMissed(PushData):
    """`contact.missed`, to the visitor: nobody answered; slots to book instead."""

    request: int
    offers: list[SlotOffer]


class MeetingBooked(PushData):
    """`meeting.booked`, to the staff member whose slot it is."""

    meeting: int
    stand: str  # the stand's slug
    visitor: Named
    start: AwareDatetime


class MeetingCancelled(PushData):
    """`meeting.cancelled`, to the other person of the meeting."""

    meeting: int
    stand: str
    by: Named
    start: AwareDatetime
