"""The showrooms as the API answers them, in one language (the other filling gaps): rows in,
`…Public` models (schemas.py) out. Nothing here reads the database."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo

from server.accounts.models import User
from server.expo.media import thumbnail_key
from server.expo.models import (
    ContactRequest,
    ContactState,
    Lead,
    Meeting,
    Pavilion,
    Product,
    Slot,
    Stand,
    StandStaff,
)
from server.expo.schemas import (
    ContactRequestPublic,
    DutyHours,
    ImagePublic,
    LeadPublic,
    LinkPublic,
    LivePublic,
    MeetingPublic,
    MeetingRole,
    PavilionCardPublic,
    PavilionPublic,
    PersonName,
    ProductPublic,
    RingPublic,
    SharedDetail,
    SlotPublic,
    SpecPublic,
    StaffPublic,
    StandCardPublic,
    StandContactsPublic,
    StandNamePublic,
    StandPavilionPublic,
    StandPublic,
    StandSessionPublic,
    VisitorPublic,
)

Lang = Literal["en", "ru"]
MEDIA_URL = "/media/showrooms/"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def pick(value: dict[str, str] | None, lang: Lang) -> str:
    """One language of a `{"en", "ru"}` text (the other if it is empty)."""
    value = value or {}
    return value.get(lang) or value.get("ru" if lang == "en" else "en") or ""


def text(obj: object, name: str, lang: Lang) -> str:
    other = "ru" if lang == "en" else "en"
    return str(getattr(obj, f"{name}_{lang}") or getattr(obj, f"{name}_{other}"))


def image(key: str | None) -> ImagePublic | None:
    return None if key is None else _image(key)


def _image(key: str) -> ImagePublic:
    return ImagePublic(url=MEDIA_URL + key, thumbnail=MEDIA_URL + thumbnail_key(key))


def _pavilion_fields(p: Pavilion, lang: Lang) -> dict[str, Any]:
    return {
        "slug": p.slug,
        "kind": p.kind,
        "host": p.host,
        "name": text(p, "name", lang),
        "country": p.country,
        "city": text(p, "city", lang),
        "description": text(p, "description", lang),
        "banner": image(p.banner),
    }


def pavilion_card(
    p: Pavilion, lang: Lang, stands: int, live: LivePublic | None
) -> PavilionCardPublic:
    return PavilionCardPublic(**_pavilion_fields(p, lang), stands=stands, live=live)


def pavilion_view(p: Pavilion, lang: Lang, stands: list[StandCardPublic]) -> PavilionPublic:
    return PavilionPublic(**_pavilion_fields(p, lang), stands=stands)


def stand_card(s: Stand, lang: Lang, products: int) -> StandCardPublic:
    return StandCardPublic(
        slug=s.slug,
        name=text(s, "name", lang),
        industries=s.industries,
        size=s.size,
        logo=image(s.logo),
        products=products,
    )


def stand_name(s: Stand) -> StandNamePublic:
    return StandNamePublic(slug=s.slug, name=s.name_en, name_ru=s.name_ru)


def on_duty(staff: StandStaff, now: datetime) -> bool:
    """Whether the person's duty hours (in their own zone) hold `now`."""
    local = now.astimezone(ZoneInfo(staff.tz))
    day, clock = DAYS[local.weekday()], local.time()
    for hours in staff.duty:
        start = time.fromisoformat(hours["from"])
        end = time.max if hours["to"] == "24:00" else time.fromisoformat(hours["to"])
        if day in hours["days"] and start <= clock < end:
            return True
    return False


def staff_view(staff: StandStaff, name: str, lang: Lang, now: datetime) -> StaffPublic:
    """What visitors see of a stand's people: no email, no phone (they reach them through
    the stand)."""
    return StaffPublic(
        user_id=staff.user_id,
        name=name,
        title=text(staff, "title", lang),
        tz=staff.tz,
        languages=staff.languages,
        duty=[DutyHours.model_validate(hours) for hours in staff.duty],
        on_duty=on_duty(staff, now),
    )


def _value(value: str | dict[str, str], lang: Lang) -> str:
    return pick(value, lang) if isinstance(value, dict) else value


def product_view(p: Product, lang: Lang) -> ProductPublic:
    return ProductPublic(
        slug=p.slug,
        name=text(p, "name", lang),
        description=text(p, "description", lang),
        specs=[
            SpecPublic(name=pick(s["name"], lang), value=_value(s["value"], lang)) for s in p.specs
        ],
        images=[_image(key) for key in p.images],
        documents=[
            LinkPublic(title=pick(d["title"], lang), url=MEDIA_URL + d["file"]) for d in p.documents
        ],
        videos=[
            LinkPublic(
                title=pick(v["title"], lang),
                url=MEDIA_URL + v["file"] if "file" in v else v["url"],
            )
            for v in p.videos
        ],
    )


def stand_view(
    s: Stand,
    pavilion: Pavilion,
    lang: Lang,
    *,
    staff: list[StaffPublic],
    products: list[Product],
    sessions: list[StandSessionPublic],
) -> StandPublic:
    contacts = s.contacts or {}
    return StandPublic(
        slug=s.slug,
        name=text(s, "name", lang),
        industries=s.industries,
        size=s.size,
        logo=image(s.logo),
        pavilion=StandPavilionPublic(
            slug=pavilion.slug, name=text(pavilion, "name", lang), kind=pavilion.kind
        ),
        description=text(s, "description", lang),
        website=s.website,
        contacts=StandContactsPublic(
            email=contacts.get("email"),
            phone=contacts.get("phone"),
            address=pick(contacts.get("address"), lang) or None,
        ),
        sessions=sessions,
        staff=staff,
        products=[product_view(p, lang) for p in products],
    )


def slot_view(slot: Slot, staff_name: str) -> SlotPublic:
    assert slot.id is not None
    return SlotPublic(
        id=slot.id,
        start=slot.starts_at,
        end=slot.ends_at,
        tz=slot.tz,
        staff=PersonName(name=staff_name),
        mode=slot.mode,
    )


def request_view(
    request: ContactRequest,
    stand: Stand,
    room: str | None,
    answered_by: str | None,
    offers: list[SlotPublic],
) -> ContactRequestPublic:
    """`room`: the lead's, shown once answered; `offers`: shown once missed."""
    assert request.id is not None
    answered = request.state is ContactState.answered
    missed = request.state is ContactState.missed
    return ContactRequestPublic(
        id=request.id,
        state=request.state,
        stand=stand.slug,
        message=request.message,
        created_at=request.created_at,
        expires_at=request.expires_at,
        room=room if answered else None,
        answered_by=PersonName(name=answered_by) if answered_by else None,
        offers=offers if missed else [],
    )


def ring_view(request: ContactRequest, stand: Stand, visitor: User | None) -> RingPublic:
    """A ringing request as its staff see it (`contact.ring`, and the desk's list)."""
    assert request.id is not None
    return RingPublic(
        request=request.id,
        stand=stand_name(stand),
        visitor=PersonName(name=visitor.name if visitor else ""),
        message=request.message,
        expires_at=request.expires_at,
    )


def meeting_view(
    meeting: Meeting, lead: Lead, stand: Stand, staff: User, visitor: User, me: User
) -> MeetingPublic:
    """A meeting as one of its two people sees it: `as` (visitor or staff) and `with` whom."""
    assert meeting.id is not None
    mine_as = MeetingRole.staff if me.id == meeting.staff_id else MeetingRole.visitor
    return MeetingPublic(
        id=meeting.id,
        start=meeting.starts_at,
        end=meeting.ends_at,
        tz=meeting.tz,
        mode=meeting.mode,
        stand=stand_name(stand),
        staff=PersonName(name=staff.name),
        visitor=PersonName(name=visitor.name),
        as_=mine_as,
        with_=PersonName(name=visitor.name if mine_as is MeetingRole.staff else staff.name),
        room=lead.room,
        ics=f"/api/v1/meetings/{meeting.id}.ics",
    )


def visitor_view(lead: Lead, visitor: User) -> VisitorPublic:
    """The visitor as the stand's staff may see them: the name, and what they consented to."""
    shown: dict[str, str | None] = {
        key.value: (getattr(visitor, key.value) or None) if key in lead.consent else None
        for key in SharedDetail
    }
    return VisitorPublic(name=visitor.name, **shown)


def lead_view(lead: Lead, visitor: User) -> LeadPublic:
    assert lead.id is not None
    return LeadPublic(
        id=lead.id,
        visitor=visitor_view(lead, visitor),
        status=lead.status,
        room=lead.room,
        created_at=lead.created_at,
        updated_at=lead.updated_at,
    )
