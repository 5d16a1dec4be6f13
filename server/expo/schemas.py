"""What the showrooms' HTTP routes take and answer: the `…In` bodies they parse, and the
`…Public` models their verbs return (and /openapi.json documents).

Instants are `Instant` (server/instants.py: UTC, whole seconds, `Z`); codes are enums the UI
words itself. Names and texts come in the one language asked for (views.py picks it), except
where an exhibitor edits both (`BilingualText`)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from server.expo.models import (
    ContactState,
    LeadEventKind,
    LeadStatus,
    MeetingMode,
    MissReason,
    PavilionKind,
    StandSize,
)
from server.instants import Instant
from server.params import Id

# --- What the routes take ------------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContactIn(_In):
    message: str | None = Field(default=None, max_length=500)


class SlotIn(_In):
    start: str = Field(description="Local wall-clock time in `tz`, e.g. 2027-03-26T10:00")
    end: str
    tz: str | None = Field(default=None, description="IANA zone; default: the staff member's")
    mode: MeetingMode = MeetingMode.online


class SlotsIn(_In):
    slots: list[SlotIn] = Field(min_length=1, max_length=100)


class BookIn(_In):
    slot: Id


class ConsentIn(_In):
    # Checked by the verb, which names what may be shared (`SharedDetail`).
    share: list[str] = Field(max_length=5)


class StatusIn(_In):
    status: LeadStatus


class NoteIn(_In):
    text: str = Field(min_length=1, max_length=4000)


class ScanIn(_In):
    token: str = Field(min_length=10, max_length=2000)


class VisitPing(_In):
    key: str = Field(min_length=10, max_length=64)


class TextIn(_In):
    en: str = Field(min_length=1, max_length=5000)
    ru: str = Field(min_length=1, max_length=5000)


class SpecIn(_In):
    name: TextIn
    value: str = Field(min_length=1, max_length=200)


class StandEdit(_In):
    description: TextIn | None = None
    website: str | None = Field(default=None, max_length=300, pattern=r"^(https://\S+)?$")


class ProductEdit(_In):
    name: TextIn | None = None
    description: TextIn | None = None
    specs: list[SpecIn] | None = Field(default=None, max_length=40)


# --- What they answer ----------------------------------------------------------------------


class _Out(BaseModel):
    # Fields named after Python keywords (`from`, `as`, `with`) are written under their wire
    # name (`serialization_alias`), in answers and in pushes alike.
    model_config = ConfigDict(serialize_by_alias=True)


class BilingualText(_Out):
    en: str
    ru: str


class ImagePublic(_Out):
    url: str
    thumbnail: str


class PersonName(_Out):
    name: str


class LivePublic(_Out):
    """A marathon segment on air from the pavilion's city ("live now from Cairo")."""

    session: int
    forum: str
    title: str
    city: str


class _PavilionBase(_Out):
    slug: str
    kind: PavilionKind
    host: bool
    name: str
    country: str
    city: str
    description: str
    banner: ImagePublic | None


class PavilionCardPublic(_PavilionBase):
    """A pavilion in the hall: how many stands it holds, and what is live from its city."""

    stands: int
    live: LivePublic | None


class StandCardPublic(_Out):
    slug: str
    name: str
    industries: list[str]
    size: StandSize
    logo: ImagePublic | None
    products: int


class PavilionPublic(_PavilionBase):
    stands: list[StandCardPublic]


class StandPavilionPublic(_Out):
    slug: str
    name: str
    kind: PavilionKind


class StandContactsPublic(_Out):
    email: str | None
    phone: str | None
    address: str | None


class StandSessionPublic(_Out):
    id: int
    slug: str
    forum: str
    title: str


class DutyHours(_Out):
    """When a staff member answers, in their own zone (`to` 24:00: the end of the day)."""

    days: list[str]
    from_: str = Field(validation_alias="from", serialization_alias="from")
    to: str


class StaffPublic(_Out):
    """What visitors see of a stand's people: no email, no phone."""

    user_id: int
    name: str
    title: str
    tz: str
    languages: list[str]
    duty: list[DutyHours]
    on_duty: bool


class SpecPublic(_Out):
    name: str
    value: str


class LinkPublic(_Out):
    title: str
    url: str


class ProductPublic(_Out):
    slug: str
    name: str
    description: str
    specs: list[SpecPublic]
    images: list[ImagePublic]
    documents: list[LinkPublic]
    videos: list[LinkPublic]


class StandPublic(_Out):
    slug: str
    name: str
    industries: list[str]
    size: StandSize
    logo: ImagePublic | None
    pavilion: StandPavilionPublic
    description: str
    website: str
    contacts: StandContactsPublic
    sessions: list[StandSessionPublic]
    staff: list[StaffPublic]
    products: list[ProductPublic]


class StandNamePublic(_Out):
    """A stand named in both languages (the desk shows either)."""

    slug: str
    name: str
    name_ru: str


class FoundKind(StrEnum):
    stand = "stand"
    product = "product"


class FoundPavilionPublic(_Out):
    slug: str
    name: str


class FoundStandPublic(StandCardPublic):
    pavilion: FoundPavilionPublic


class FoundProductPublic(_Out):
    slug: str
    name: str
    image: ImagePublic | None


class SearchHitPublic(_Out):
    kind: FoundKind
    stand: FoundStandPublic
    product: FoundProductPublic | None


class SearchPublic(_Out):
    q: str
    results: list[SearchHitPublic]


class StandTextsPublic(_Out):
    """A stand's texts as its staff left them."""

    slug: str
    description: BilingualText
    website: str


class SpecTexts(_Out):
    name: BilingualText
    value: str | BilingualText  # a value with its unit, or words in both languages


class ProductTextsPublic(_Out):
    slug: str
    name: BilingualText
    specs: list[SpecTexts]


class SlotPublic(_Out):
    id: int
    start: Instant
    end: Instant
    tz: str  # the zone the staff member set it in
    staff: PersonName
    mode: MeetingMode


class ContactRequestPublic(_Out):
    """A "talk to us now" request as its visitor (or the stand's staff) sees it: the private
    room once answered, the stand's free slots once missed."""

    id: int
    state: ContactState
    stand: str
    message: str
    created_at: Instant
    expires_at: Instant
    room: str | None
    answered_by: PersonName | None
    offers: list[SlotPublic]


class RingPublic(_Out):
    """A request ringing at a stand, as its staff see it (also the `contact.ring` push)."""

    request: int
    stand: StandNamePublic
    visitor: PersonName
    message: str
    expires_at: Instant


class MeetingRole(StrEnum):
    visitor = "visitor"
    staff = "staff"


class MeetingPublic(_Out):
    """A meeting as one of its two people sees it: `as` whom, and `with` whom."""

    id: int
    start: Instant
    end: Instant
    tz: str
    mode: MeetingMode
    stand: StandNamePublic
    staff: PersonName
    visitor: PersonName
    as_: MeetingRole = Field(serialization_alias="as")
    with_: PersonName = Field(serialization_alias="with")
    room: str | None
    ics: str


class SharedDetail(StrEnum):
    """What of their details a visitor may let a stand see (their name it always sees)."""

    email = "email"
    organisation = "organisation"
    country = "country"


class ConsentPublic(_Out):
    stand: str
    share: list[SharedDetail]


class ConversationPublic(_Out):
    """One of my conversations with a stand (its private chat), latest first."""

    stand: StandNamePublic
    room: str
    last_text: str | None  # the latest message still shown; null before any was written
    last_at: Instant  # the latest message, or when the conversation was last touched


class VisitorPublic(_Out):
    """The visitor as the stand's staff may see them: what they did not share is null."""

    name: str
    email: str | None
    organisation: str | None
    country: str | None


class LeadPublic(_Out):
    id: int
    visitor: VisitorPublic
    status: LeadStatus
    room: str | None
    created_at: Instant
    updated_at: Instant


# A lead's history: one model per kind of step, told apart by `kind`.


class _Step(_Out):
    actor: int | None
    at: Instant


class RequestData(_Out):
    request: int
    message: str


class AnsweredData(_Out):
    request: int
    seconds: float


_SAID = {"nobody on duty": "nobody_on_duty", "no answer": "no_answer"}


def _coded(reason: Any) -> Any:
    """Steps written before reasons were codes hold the English words; read them as codes."""
    return _SAID.get(reason, reason) if isinstance(reason, str) else reason


class MissedData(_Out):
    request: int
    reason: Annotated[MissReason, BeforeValidator(_coded)]


class NoData(_Out):
    pass


class MeetingData(_Out):
    meeting: int
    start: Instant
    mode: MeetingMode


class CancelledData(_Out):
    meeting: int
    start: Instant


class ScanData(_Out):
    badge: int


class NoteData(_Out):
    text: str


class StatusData(_Out):
    status: LeadStatus


class ConsentData(_Out):
    share: list[SharedDetail]


class RequestStep(_Step):
    kind: Literal[LeadEventKind.contact_request]
    data: RequestData


class AnsweredStep(_Step):
    kind: Literal[LeadEventKind.answered]
    data: AnsweredData


class MissedStep(_Step):
    kind: Literal[LeadEventKind.missed]
    data: MissedData


class CallStep(_Step):
    kind: Literal[LeadEventKind.call]
    data: NoData


class MeetingStep(_Step):
    kind: Literal[LeadEventKind.meeting]
    data: MeetingData


class CancelledStep(_Step):
    kind: Literal[LeadEventKind.meeting_cancelled]
    data: CancelledData


class ScanStep(_Step):
    kind: Literal[LeadEventKind.badge_scan]
    data: ScanData


class NoteStep(_Step):
    kind: Literal[LeadEventKind.note]
    data: NoteData


class StatusStep(_Step):
    kind: Literal[LeadEventKind.status]
    data: StatusData


class ConsentStep(_Step):
    kind: Literal[LeadEventKind.consent]
    data: ConsentData


HistoryItem = Annotated[
    RequestStep
    | AnsweredStep
    | MissedStep
    | CallStep
    | MeetingStep
    | CancelledStep
    | ScanStep
    | NoteStep
    | StatusStep
    | ConsentStep,
    Field(discriminator="kind"),
]


class ChatLine(_Out):
    user: int
    text: str
    at: Instant


class LeadDetailPublic(LeadPublic):
    """A lead with its whole history and its private chat."""

    history: list[HistoryItem]
    chat: list[ChatLine]


class VisitPublic(_Out):
    """A visit just opened: its page pings it with `key` every `ping_seconds`."""

    visit: int
    key: str
    ping_seconds: int


class PingPublic(_Out):
    visit: int
    seconds: float  # on the stand so far


class DayFigures(_Out):
    """One local day of a stand (the viewer's zone)."""

    date: dt.date
    visits: int
    unique_visitors: int
    minutes_on_stand: float
    contact_requests: int
    answered: int
    missed: int
    median_seconds_to_answer: float | None
    meetings_booked: int
    badge_scans: int


class AnalyticsPublic(_Out):
    stand: str
    tz: str
    days: list[DayFigures]
