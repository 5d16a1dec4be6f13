"""The showrooms as the API answers them, in one language (the other filling gaps)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo

from server.expo.media import thumbnail_key
from server.expo.models import Pavilion, Product, Stand, StandStaff

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


def image(key: str | None) -> dict[str, str] | None:
    if key is None:
        return None
    return {"url": MEDIA_URL + key, "thumbnail": MEDIA_URL + thumbnail_key(key)}


def pavilion_view(p: Pavilion, lang: Lang, stands: int) -> dict[str, Any]:
    return {
        "slug": p.slug,
        "kind": p.kind.value,
        "host": p.host,
        "name": text(p, "name", lang),
        "country": p.country,
        "city": text(p, "city", lang),
        "description": text(p, "description", lang),
        "banner": image(p.banner),
        "stands": stands,
    }


def stand_card(s: Stand, lang: Lang, products: int) -> dict[str, Any]:
    return {
        "slug": s.slug,
        "name": text(s, "name", lang),
        "industries": s.industries,
        "size": s.size.value,
        "logo": image(s.logo),
        "products": products,
    }


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


def staff_view(staff: StandStaff, name: str, lang: Lang, now: datetime) -> dict[str, Any]:
    """What visitors see of a stand's people: no email, no phone (they reach them through
    the stand)."""
    return {
        "user_id": staff.user_id,
        "name": name,
        "title": text(staff, "title", lang),
        "tz": staff.tz,
        "languages": staff.languages,
        "duty": staff.duty,
        "on_duty": on_duty(staff, now),
    }


def _value(value: str | dict[str, str], lang: Lang) -> str:
    return pick(value, lang) if isinstance(value, dict) else value


def product_view(p: Product, lang: Lang) -> dict[str, Any]:
    return {
        "slug": p.slug,
        "name": text(p, "name", lang),
        "description": text(p, "description", lang),
        "specs": [
            {"name": pick(s["name"], lang), "value": _value(s["value"], lang)} for s in p.specs
        ],
        "images": [image(key) for key in p.images],
        "documents": [
            {"title": pick(d["title"], lang), "url": MEDIA_URL + d["file"]} for d in p.documents
        ],
        "videos": [
            {
                "title": pick(v["title"], lang),
                "url": MEDIA_URL + v["file"] if "file" in v else v["url"],
            }
            for v in p.videos
        ],
    }


def stand_view(
    s: Stand,
    pavilion: Pavilion,
    lang: Lang,
    *,
    staff: list[dict[str, Any]],
    products: list[Product],
    sessions: list[dict[str, Any]],
) -> dict[str, Any]:
    contacts = s.contacts or {}
    return {
        **stand_card(s, lang, len(products)),
        "pavilion": {
            "slug": pavilion.slug,
            "name": text(pavilion, "name", lang),
            "kind": pavilion.kind.value,
        },
        "description": text(s, "description", lang),
        "website": s.website,
        "contacts": {
            "email": contacts.get("email"),
            "phone": contacts.get("phone"),
            "address": pick(contacts.get("address"), lang) or None,
        },
        "sessions": sessions,
        "staff": staff,
        "products": [product_view(p, lang) for p in products],
    }
