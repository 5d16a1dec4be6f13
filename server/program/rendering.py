"""The program as JSON bytes for one viewer, cheap enough to render on every cache miss.

Everything about a session except its times in the viewer's zone is the same for every
viewer: it is serialised once per (program version, language) into a `Prepared` program,
and each viewer's answer splices its own part onto those fragments. A new zone after a
change to the program (the marathon re-planned, a session moved) then costs a loop over
the sessions, not a rendering of the whole program.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from server.program.service import ProgramData
from server.program.views import Lang, ProgramFilter, matches, static_view, viewer_view
from server.zones import local_date


def dumps(document: Any) -> str:
    """JSON as Starlette's JSONResponse writes it: compact, UTF-8 text kept as is."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Prepared:
    """A program in one language with each session's viewer-independent JSON ready.

    `heads[i]` is the JSON object of `data.sessions[i]` without its closing brace.
    """

    data: ProgramData
    lang: Lang
    heads: list[str]

    @property
    def weight(self) -> int:
        return sum(len(head) for head in self.heads)


def prepare(data: ProgramData, lang: Lang) -> Prepared:
    heads = [dumps(static_view(data, session, lang))[:-1] for session in data.sessions]
    return Prepared(data, lang, heads)


def program_json(prepared: Prepared, viewer: ZoneInfo, filt: ProgramFilter) -> bytes:
    """The program for a viewer, grouped by the viewer's local date of each session's start.

    A session that crosses midnight in the viewer's zone belongs to the day it starts on,
    as every printed program does.
    """
    data, lang = prepared.data, prepared.lang
    days: dict[date, list[str]] = {}
    for session, head in zip(data.sessions, prepared.heads, strict=True):
        if matches(data, session, viewer, filt):
            tail = dumps(viewer_view(session, viewer, lang))
            day = local_date(session.starts_at, viewer)
            days.setdefault(day, []).append(f"{head},{tail[1:]}")
    envelope = dumps(
        {
            "forum": data.forum.slug,
            "tz": viewer.key,
            "lang": lang,
            "date": filt.on_date.isoformat() if filt.on_date else None,
        }
    )
    listed = ",".join(
        f'{{"date":"{day.isoformat()}","sessions":[{",".join(days[day])}]}}' for day in sorted(days)
    )
    return f'{envelope[:-1]},"days":[{listed}]}}'.encode()
