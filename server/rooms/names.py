"""Room names, parsed once into a typed name that prints in exactly one way.

Everything a room holds (its chat, mutes, slow mode, pre-moderation, Q&A, its bus stream) is
keyed by the name's text, so a room must have one name only: `session:08`, `session:+8`,
` session:8`, `SESSION:8`, `session:٨` or `session:8\\n` would otherwise pass the admission of
session 8 and hold a second chat nobody moderates. `RoomName.parse` accepts only the canonical
text (what `str()` of the parsed name gives back); a near miss of a real name is refused as
`invalid`, naming the field and the canonical form, and any other text as a room that does not
exist (`not_found`, as before).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from server.errors import Invalid, NotFound
from server.params import ID_MAX


class RoomKind(StrEnum):
    session = "session"
    staff = "staff"
    forum = "forum"
    marathon = "marathon"
    private = "private"
    user = "user"


# Canonical forms only: ASCII digits without a sign or leading zero, lower-case kinds, nothing
# before or after (matched whole: `$` would let a trailing newline through).
_ID = r"[1-9][0-9]*"
_CANONICAL = re.compile(
    rf"session:(?P<session>{_ID})(?P<staff>:staff)?"
    r"|forum:(?P<forum>[a-z0-9-]{1,80})"
    rf"|marathon:(?P<marathon>{_ID})"
    r"|private:(?P<private>[A-Za-z0-9_-]{20,43})"
    rf"|user:(?P<user>{_ID})",
    re.ASCII,
)
# What a near miss looks like: any case, spaces around the parts, a sign, leading zeros, digits
# of any script (after NFKC, which also folds full-width forms).
_LOOSE = re.compile(
    r"\s*(?P<kind>session|forum|marathon|private|user)\s*:\s*(?P<rest>.*?)\s*",
    re.IGNORECASE | re.DOTALL,
)
_LOOSE_ID = re.compile(r"\+?\s*(?P<id>\d{1,30})(?P<staff>\s*:\s*staff)?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RoomName:
    """A room's name: its kind, and its id (numbered rooms) or key (a forum's slug, a private
    room's token). `str()` is the one text of the name."""

    kind: RoomKind
    id: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        if self.kind is RoomKind.staff:
            return f"session:{self.id}:staff"
        return f"{self.kind.value}:{self.key if self.id is None else self.id}"

    @classmethod
    def parse(cls, text: str) -> RoomName:
        """The name `text` is, in its canonical form only: Invalid (field `room`) for another
        form of a room's name or an id beyond ID_MAX, NotFound for anything else."""
        found = _CANONICAL.fullmatch(text)
        if found is None:
            alias = _canonical_form(text)
            if alias is not None:
                raise Invalid(
                    f"room: {text!r} is not a room name as written; the room is {alias!r}",
                    field="room",
                )
            raise NotFound(f"room: no room {text!r}", field="room")
        number = found["session"] or found["marathon"] or found["user"]
        if number is not None and (len(number) > len(str(ID_MAX)) or int(number) > ID_MAX):
            raise Invalid(f"room: {text!r} names an id beyond {ID_MAX}", field="room")
        if found["session"]:
            kind = RoomKind.staff if found["staff"] else RoomKind.session
            return cls(kind, int(found["session"]))
        if found["marathon"]:
            return cls(RoomKind.marathon, int(found["marathon"]))
        if found["user"]:
            return cls(RoomKind.user, int(found["user"]))
        if found["forum"]:
            return cls(RoomKind.forum, key=found["forum"])
        return cls(RoomKind.private, key=found["private"])


def _canonical_form(text: str) -> str | None:
    """The canonical name `text` is another way of writing, if it is one."""
    loose = _LOOSE.fullmatch(unicodedata.normalize("NFKC", text))
    if loose is None:
        return None
    kind, rest = loose["kind"].lower(), loose["rest"]
    if kind in ("session", "marathon", "user"):
        number = _LOOSE_ID.fullmatch(rest)
        if number is None or (number["staff"] and kind != "session"):
            return None
        staff = ":staff" if number["staff"] else ""
        candidate = f"{kind}:{int(number['id'])}{staff}"
    else:
        candidate = f"{kind}:{rest.lower() if kind == 'forum' else rest}"
    if candidate == text or _CANONICAL.fullmatch(candidate) is None:
        return None
    return candidate
