"""The stage's pushes: its state to the session's room on every change, and to its staff room
the sources' audio levels and thumbnails (server/stage/ingest.py)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from server.realtime.pushes import PushData
from server.stage.dtls import LinkFailure
from server.stage.ingest import SourceState

Level = Annotated[float, Field(ge=0, le=1)]


class StageSource(PushData):
    """One publisher (a speaker, or a guest through an invited hand)."""

    id: str
    user_id: int
    name: str
    state: SourceState
    muted: bool
    guest: bool
    receiving: bool  # its video has arrived
    # Why its connection failed before it ever connected (its DTLS handshake, or no ICE
    # path); null while it is fine. A failed source stays listed a minute, then leaves.
    failure: LinkFailure | None


class StageState(PushData):
    """`stage.state`: which source is on air (null: none), and every source."""

    on_air: str | None
    sources: list[StageSource]


class StageLevels(PushData):
    """`stage.levels`: each source's audio level, by source id."""

    levels: dict[str, Level]


class StagePreview(PushData):
    """`stage.preview`: a source's thumbnail, a JPEG data URL."""

    source: str
    image: Annotated[str, Field(pattern=r"^data:image/jpeg;base64,")]
