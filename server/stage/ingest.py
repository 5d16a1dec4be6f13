"""WHIP ingest: each publisher is a source in its session's backstage.

A source is one speaker's peer connection with aiortc. Its incoming video is read
continuously (the latest frame is kept for the program feed), so the peer never stalls on a
full receive queue; audio is kept the same way for the mixer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError

from server.errors import Invalid, NotFound
from server.stage.program import ProgramFeed, ProgramVideoTrack

log = logging.getLogger("pavilion.stage")


class SourceState(StrEnum):
    backstage = "backstage"
    stage = "stage"  # heard in the program audio
    air = "air"  # its video is the program


@dataclass
class Source:
    id: str
    session_id: int
    user_id: int
    name: str
    pc: RTCPeerConnection
    state: SourceState = SourceState.backstage
    muted: bool = False
    frames: int = 0  # video frames received so far
    latest: Any = None  # the latest decoded video frame
    readers: list[asyncio.Task[None]] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "name": self.name,
            "state": self.state.value,
            "muted": self.muted,
            "receiving": self.frames > 0,
        }


@dataclass
class Viewer:
    id: str
    session_id: int
    user_id: int
    pc: RTCPeerConnection
    track: ProgramVideoTrack


class Stage:
    """Every session's sources, program feeds and viewers on this node (one per app)."""

    def __init__(self, ice_servers: list[str]) -> None:
        self._config = RTCConfiguration([RTCIceServer(urls=url) for url in ice_servers])
        self._sources: dict[int, dict[str, Source]] = {}
        self._feeds: dict[int, ProgramFeed] = {}
        self._viewers: dict[str, Viewer] = {}
        self.on_air: dict[int, str | None] = {}

    def feed(self, session_id: int) -> ProgramFeed:
        """The session's program feed, started on first use."""
        found = self._feeds.get(session_id)
        if found is None:
            found = self._feeds[session_id] = ProgramFeed(lambda: self._on_air_frame(session_id))
            found.start()
        return found

    def _on_air_frame(self, session_id: int) -> Any:
        source_id = self.on_air.get(session_id)
        source = self._sources.get(session_id, {}).get(source_id or "")
        return source.latest if source is not None else None

    async def watch(self, session_id: int, user_id: int, offer: str) -> Viewer:
        """Answer a viewer's SDP offer (WHEP) with the program feed, H.264 only."""
        if "m=video" not in offer:
            raise Invalid("sdp: the offer must receive video", field="sdp")
        pc = RTCPeerConnection(self._config)
        track = self.feed(session_id).viewer()
        # Made before the offer is read, so that its codec preferences shape the answer.
        transceiver = pc.addTransceiver(track, direction="sendonly")
        transceiver.setCodecPreferences(_h264())
        sender = transceiver.sender
        try:
            await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:  # aiortc's parser and negotiation raise plain errors
            track.stop()
            await pc.close()
            raise Invalid(f"sdp: not a usable WebRTC offer ({exc})", field="sdp") from None
        self.feed(session_id).hook_keyframes(sender)
        viewer = Viewer(secrets.token_urlsafe(16), session_id, user_id, pc, track)
        self._viewers[viewer.id] = viewer
        _on_gone(pc, lambda: self._end_viewer(viewer))
        return viewer

    async def unwatch(self, session_id: int, viewer_id: str, user_id: int) -> None:
        viewer = self._viewers.get(viewer_id)
        if viewer is None or viewer.session_id != session_id or viewer.user_id != user_id:
            raise NotFound(f"viewer: no viewer {viewer_id!r} here", field="viewer")
        await self._end_viewer(viewer)

    async def _end_viewer(self, viewer: Viewer) -> None:
        if self._viewers.pop(viewer.id, None) is None:
            return  # ended already (a DELETE, then its connection closing)
        viewer.track.stop()
        await viewer.pc.close()
        feed = self._feeds.get(viewer.session_id)
        if feed is not None and not feed.watched:
            # Nobody watches: stop encoding (the next viewer starts a new feed).
            del self._feeds[viewer.session_id]
            await feed.stop()

    def sources(self, session_id: int) -> list[Source]:
        return list(self._sources.get(session_id, {}).values())

    def state(self, session_id: int) -> dict[str, Any]:
        """DESIGN.md section 9: `{"on_air", "sources"}`."""
        return {
            "on_air": self.on_air.get(session_id),
            "sources": [s.public() for s in self.sources(session_id)],
        }

    async def publish(self, session_id: int, user_id: int, name: str, offer: str) -> Source:
        """Answer a publisher's SDP offer (ICE gathered before answering: no trickle)."""
        if "m=video" not in offer:
            raise Invalid("sdp: the offer must send video", field="sdp")
        pc = RTCPeerConnection(self._config)
        source = Source(secrets.token_urlsafe(16), session_id, user_id, name, pc)
        pc.on("track", lambda track: self._read(source, track))
        _on_gone(pc, lambda: self._close(source))
        try:
            await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:  # aiortc's parser and negotiation raise plain errors
            await pc.close()
            raise Invalid(f"sdp: not a usable WebRTC offer ({exc})", field="sdp") from None
        self._sources.setdefault(session_id, {})[source.id] = source
        return source

    def answer(self, source: Source) -> str:
        description = source.pc.localDescription
        assert description is not None
        return description.sdp

    def _read(self, source: Source, track: MediaStreamTrack) -> None:
        source.readers.append(asyncio.create_task(self._drain(source, track)))

    async def _drain(self, source: Source, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                if track.kind == "video":
                    source.latest = frame
                    source.frames += 1

    def _source(self, session_id: int, source_id: str) -> Source:
        source = self._sources.get(session_id, {}).get(source_id)
        if source is None:
            raise NotFound(f"source: no source {source_id!r} here", field="source")
        return source

    def take(self, session_id: int, source_id: str) -> None:
        """Put a source's video on air; whoever was on air stays on stage (still heard)."""
        source = self._source(session_id, source_id)
        previous = self.on_air.get(session_id)
        if previous is not None and previous != source_id:
            self._source(session_id, previous).state = SourceState.stage
        source.state = SourceState.air
        self.on_air[session_id] = source_id

    def move(self, session_id: int, source_id: str, to: SourceState) -> None:
        """Move a source to the stage (heard) or backstage; `air` goes through `take`."""
        if to is SourceState.air:
            self.take(session_id, source_id)
            return
        source = self._source(session_id, source_id)
        source.state = to
        if self.on_air.get(session_id) == source_id:
            self.on_air[session_id] = None

    def mute(self, session_id: int, source_id: str, muted: bool) -> None:
        self._source(session_id, source_id).muted = muted

    async def leave(self, session_id: int, source_id: str, user_id: int, *, staff: bool) -> None:
        """End a source: its publisher, or the session's staff. Anyone else gets NotFound,
        as for a source that does not exist."""
        source = self._sources.get(session_id, {}).get(source_id)
        if source is None or (source.user_id != user_id and not staff):
            raise NotFound(f"source: no source {source_id!r} here", field="source")
        await self._close(source)

    async def _close(self, source: Source) -> None:
        if self._sources.get(source.session_id, {}).pop(source.id, None) is None:
            return  # closed already
        if self.on_air.get(source.session_id) == source.id:
            self.on_air[source.session_id] = None
        for reader in source.readers:
            reader.cancel()
        await source.pc.close()

    async def close(self) -> None:
        for viewer in list(self._viewers.values()):
            await self._end_viewer(viewer)
        for session in list(self._sources.values()):
            for source in list(session.values()):
                await self._close(source)
        for feed in self._feeds.values():
            await feed.stop()


def _on_gone(pc: RTCPeerConnection, end: Callable[[], Awaitable[None]]) -> None:
    """End a peer's resource when its connection fails or closes without a DELETE (a tab
    closed, a network gone)."""

    async def changed() -> None:
        if pc.connectionState in ("failed", "closed"):
            await end()

    pc.on("connectionstatechange", changed)


def _h264() -> list[Any]:
    """aiortc's H.264 codecs (the shared encoder's), with their retransmission codec."""
    codecs = RTCRtpSender.getCapabilities("video").codecs
    return [c for c in codecs if c.mimeType in ("video/H264", "video/rtx")]
