"""What the command hands its child processes (a JSON file only its user can read), and the
lines they print back: one JSON object per line on their standard output."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Plan:
    """One rehearsal's audience: who signs in with what, where they go, for how long."""

    url: str
    forum: str
    session: int
    room: str
    mode: str  # how they register: "online" or "onsite"
    password: str
    attendees: list[str]  # emails; the moderator's is not among them
    moderator: str
    seconds: float
    spawn_rate: float  # users started per second
    webrtc: list[str] = field(default_factory=list)  # attendees who watch over WebRTC, not HLS
    tick: float = 2.0  # seconds between progress lines

    def write(self, path: Path) -> None:
        """Written readable by its owner only: it holds the accounts' password."""
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(asdict(self), out)

    @classmethod
    def read(cls, path: Path) -> Plan:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def emit(kind: str, **data: Any) -> None:
    """One line for the parent: {"kind": ..., ...}."""
    print(json.dumps({"kind": kind, **data}, separators=(",", ":")), flush=True)
