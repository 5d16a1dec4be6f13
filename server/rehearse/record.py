"""What a rehearsal run collected: the plan's headline, the audience's figures as its child
processes reported them, the server's own readings, and how the clean-up went."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from server.rehearse.scrapes import Scrapes


@dataclass
class Rehearsed:
    url: str
    forum: str
    rehearsal: int
    session: int
    room: str
    attendees: int
    webrtc: int
    planned_seconds: float
    started_at: datetime
    ended_at: datetime | None = None
    interrupted: str | None = None  # the signal's name, when one cut the run short
    ticks: list[dict[str, Any]] = field(default_factory=list)  # the swarm's intervals
    final: dict[str, Any] | None = None  # the swarm's whole run
    viewer_ticks: list[dict[str, Any]] = field(default_factory=list)
    viewers: list[dict[str, Any]] = field(default_factory=list)  # one per WebRTC viewer
    scrapes: Scrapes = field(default_factory=Scrapes)
    removal: dict[str, Any] | None = None  # the rehearsal's state after DELETE
    removal_error: str | None = None
    problems: list[str] = field(default_factory=list)

    def take(self, line: dict[str, Any]) -> None:
        """A line from a child process (plan.emit)."""
        kind = line.get("kind")
        if kind == "tick":
            self.ticks.append(line)
        elif kind == "final":
            self.final = line
            if line.get("cpu_warning"):
                self.problems.append(
                    "The Locust process used more than 90% of a core at times: its latencies "
                    "include its own delays. Run `pavilion rehearse` from another machine, or "
                    "with fewer attendees per run."
                )
        elif kind == "viewers":
            self.viewer_ticks.append(line)
        elif kind == "viewer":
            self.viewers.append(line)

    @property
    def users(self) -> int:
        return int(self.ticks[-1]["users"]) if self.ticks else 0

    @property
    def left_behind(self) -> bool | None:
        """Whether anything of the rehearsal remained after its removal (None: unknown)."""
        if self.removal is None:
            return None
        return bool(self.removal.get("accounts") or self.removal.get("remaining"))
