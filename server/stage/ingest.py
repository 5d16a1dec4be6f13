"""WHIP ingest: each publisher is a source in its session's backstage.

A source is one speaker's peer connection with aiortc. Its incoming video is read
continuously (the latest frame is kept for the program feed), so the peer never stalls on a
full receive queue; its audio goes into an `AudioInput` for the program mix and the level
meter. Every change of the stage is pushed to the session's room (`stage.state`); while a
session has sources, its moderators' room gets their audio levels (`stage.levels`, 4 a second)
and thumbnails (`stage.preview`, one per source every 2 s).

A source whose connection fails before it ever connected (a DTLS handshake refused, no ICE
path) is logged with the reason and stays listed, marked with its `failure`, so that its
publisher and the moderators see why, until it is deleted or FAILED_KEPT_SECONDS pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any

import av
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError

from server.clock import Clock, SystemClock
from server.errors import Conflict, Invalid, NotFound, Unavailable
from server.stage.audio import AudioInput, ProgramAudioTrack
from server.stage.dtls import Handshakes, LinkFailure, accept_rsa_peers
from server.stage.previews import Thumbnailer
from server.stage.program import ProgramFeed, ProgramVideoTrack
from server.stage.recording import Recorder

log = logging.getLogger("pavilion.stage")

LEVELS_SECONDS = 0.25
PREVIEW_EVERY = 8  # level ticks: a thumbnail per source every 2 s
FAILED_KEPT_SECONDS = 60.0  # a source that could not connect stays listed (failed) this long

Publish = Callable[[str, str, dict[str, Any]], Awaitable[Any]]
Failed = Callable[[LinkFailure, str], Awaitable[None]]  # why a peer could not connect, in words
Gone = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class StageConfig:
    """The stage's settings: ICE servers, the program format, where recordings go."""

    ice_servers: list[str] = field(default_factory=list)
    width: int = 640
    height: int = 360
    fps: int = 30
    bitrate: int = 1_000_000
    recordings: Path | None = None  # a folder per session, an MP4 per run of its program
    hls: Path | None = None  # a folder per session: index.m3u8 and its segments
    max_viewers: int = 100  # WebRTC viewers on this node, all sessions together


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
    guest: bool = False  # an attendee on stage through an invited raised hand
    frames: int = 0  # video frames received so far
    latest: Any = None  # the latest decoded video frame
    previewed: int = 0  # `frames` when the last thumbnail was sent
    audio: AudioInput = field(default_factory=AudioInput)
    readers: list[asyncio.Task[None]] = field(default_factory=list)
    failure: LinkFailure | None = None  # why it could not connect; None: fine so far
    expiry: asyncio.TimerHandle | None = None  # when a failed source leaves the list

    @property
    def heard(self) -> bool:
        return self.state is not SourceState.backstage and not self.muted

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "name": self.name,
            "state": self.state.value,
            "muted": self.muted,
            "guest": self.guest,
            "receiving": self.frames > 0,
            "failure": self.failure.value if self.failure is not None else None,
        }


@dataclass
class Viewer:
    id: str
    session_id: int
    user_id: int
    pc: RTCPeerConnection
    track: ProgramVideoTrack
    sound: ProgramAudioTrack | None


async def _nowhere(room: str, type: str, data: dict[str, Any]) -> None:
    """Where stage events go when nothing listens (a Stage on its own, in a benchmark)."""


class Stage:
    """Every session's sources, program feeds and viewers on this node (one per app)."""

    def __init__(
        self, config: StageConfig, *, clock: Clock | None = None, publish: Publish = _nowhere
    ) -> None:
        self._clock = clock or SystemClock()
        self.config = config
        accept_rsa_peers()  # GStreamer and other RSA-certificate peers (server/stage/dtls.py)
        self._rtc = RTCConfiguration([RTCIceServer(urls=url) for url in config.ice_servers])
        self._publish = publish
        self._sources: dict[int, dict[str, Source]] = {}
        self._feeds: dict[int, ProgramFeed] = {}
        self._viewers: dict[str, Viewer] = {}
        self._monitors: dict[int, asyncio.Task[None]] = {}
        self._chores: set[asyncio.Task[None]] = set()  # failed sources leaving the list
        self.on_air: dict[int, str | None] = {}

    def feed(self, session_id: int) -> ProgramFeed:
        """The session's program feed, started on first use."""
        found = self._feeds.get(session_id)
        if found is None:
            found = self._feeds[session_id] = ProgramFeed(
                lambda: self._on_air_frame(session_id),
                lambda: self._mix(session_id),
                width=self.config.width,
                height=self.config.height,
                fps=self.config.fps,
                bitrate=self.config.bitrate,
            )
            found.start()
        return found

    def _mix(self, session_id: int) -> tuple[list[AudioInput], list[AudioInput]]:
        sources = self.sources(session_id)
        return [s.audio for s in sources if s.heard], [s.audio for s in sources if not s.heard]

    def _record(self, session_id: int) -> None:
        """Start recording the session's program (once per run of its feed)."""
        feed = self.feed(session_id)
        nowhere = self.config.recordings is None and self.config.hls is None
        if feed.recorder is not None or nowhere:
            return
        name = self._clock.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        mp4 = None
        if self.config.recordings is not None:
            folder = self.config.recordings / str(session_id)
            mp4, again = folder / f"{name}.mp4", 1
            while mp4.exists():  # two runs within a second
                again += 1
                mp4 = folder / f"{name}-{again}.mp4"
        feed.record(
            Recorder(
                mp4=mp4,
                hls=self.config.hls / str(session_id) if self.config.hls else None,
                width=self.config.width,
                height=self.config.height,
                stamp=name,
                clock=self._clock,
            )
        )

    def recorder(self, session_id: int) -> Recorder | None:
        feed = self._feeds.get(session_id)
        return feed.recorder if feed is not None else None

    async def _retire(self, session_id: int) -> None:
        """Stop a feed nobody watches once its stage is empty (it finishes its recording)."""
        feed = self._feeds.get(session_id)
        if feed is None or feed.watched:
            return
        if feed.recorder is not None and self.sources(session_id):
            return  # still recording a live stage
        del self._feeds[session_id]
        await feed.stop()

    def _on_air_frame(self, session_id: int) -> Any:
        source_id = self.on_air.get(session_id)
        source = self._sources.get(session_id, {}).get(source_id or "")
        return source.latest if source is not None else None

    async def watch(self, session_id: int, user_id: int, offer: str) -> Viewer:
        """Answer a viewer's SDP offer (WHEP) with the program feed, H.264 only."""
        if "m=video" not in offer:
            raise Invalid("sdp: the offer must receive video", field="sdp")
        if len(self._viewers) >= self.config.max_viewers:
            raise Unavailable(
                f"viewers: this node's stage is full; watch /hls/{session_id}/ instead",
                field="viewers",
            )
        pc = RTCPeerConnection(self._rtc)
        feed = self.feed(session_id)
        track = feed.viewer()
        # Made before the offer is read, so that their codec preferences shape the answer.
        transceiver = pc.addTransceiver(track, direction="sendonly")
        transceiver.setCodecPreferences(_codecs("video", "video/H264"))
        sound = None
        if "m=audio" in offer:
            sound = feed.audio.listener()
            pc.addTransceiver(sound, direction="sendonly").setCodecPreferences(
                _codecs("audio", "audio/opus")
            )
        try:
            await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:  # aiortc's parser and negotiation raise plain errors
            track.stop()
            if sound is not None:
                sound.stop()
            await pc.close()
            await self._retire(session_id)
            raise Invalid(f"sdp: not a usable WebRTC offer ({exc})", field="sdp") from None
        feed.hook_keyframes(transceiver.sender)
        viewer = Viewer(secrets.token_urlsafe(16), session_id, user_id, pc, track, sound)
        self._viewers[viewer.id] = viewer
        failed, gone = partial(self._viewer_failed, viewer), partial(self._end_viewer, viewer)
        _follow(pc, Handshakes(pc), failed=failed, gone=gone)
        return viewer

    async def _viewer_failed(self, viewer: Viewer, why: LinkFailure, words: str) -> None:
        _log_failure("viewer", viewer, why, words)
        await self._end_viewer(viewer)

    async def unwatch(self, session_id: int, viewer_id: str, user_id: int) -> None:
        viewer = self._viewers.get(viewer_id)
        if viewer is None or viewer.session_id != session_id or viewer.user_id != user_id:
            raise NotFound(f"viewer: no viewer {viewer_id!r} here", field="viewer")
        await self._end_viewer(viewer)

    async def _end_viewer(self, viewer: Viewer) -> None:
        if self._viewers.pop(viewer.id, None) is None:
            return  # ended already (a DELETE, then its connection closing)
        viewer.track.stop()
        if viewer.sound is not None:
            viewer.sound.stop()
        await viewer.pc.close()
        await self._retire(viewer.session_id)

    def viewer_counts(self) -> dict[int, int]:
        """WebRTC viewers per session on this node."""
        counts: dict[int, int] = {}
        for viewer in self._viewers.values():
            counts[viewer.session_id] = counts.get(viewer.session_id, 0) + 1
        return counts

    def sources(self, session_id: int) -> list[Source]:
        return list(self._sources.get(session_id, {}).values())

    def state(self, session_id: int) -> dict[str, Any]:
        """DESIGN.md section 9: `{"on_air", "sources"}`."""
        return {
            "on_air": self.on_air.get(session_id),
            "sources": [s.public() for s in self.sources(session_id)],
        }

    async def publish(
        self, session_id: int, user_id: int, name: str, offer: str, *, guest: bool = False
    ) -> Source:
        """Answer a publisher's SDP offer (ICE gathered before answering: no trickle)."""
        if "m=video" not in offer:
            raise Invalid("sdp: the offer must send video", field="sdp")
        pc = RTCPeerConnection(self._rtc)
        source = Source(secrets.token_urlsafe(16), session_id, user_id, name, pc, guest=guest)
        pc.on("track", lambda track: self._read(source, track))
        try:
            await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:  # aiortc's parser and negotiation raise plain errors
            await pc.close()
            raise Invalid(f"sdp: not a usable WebRTC offer ({exc})", field="sdp") from None
        failed = partial(self._fail, source)
        _follow(pc, Handshakes(pc), failed=failed, gone=lambda: self._gone(source))
        self._sources.setdefault(session_id, {})[source.id] = source
        if session_id not in self._monitors:
            self._monitors[session_id] = asyncio.create_task(
                self._monitor(session_id), name="stage-monitor"
            )
        await self._announce(session_id)
        return source

    async def _announce(self, session_id: int) -> dict[str, Any]:
        """Push the stage's state to the session's room (and answer it)."""
        state = self.state(session_id)
        try:
            await self._publish(f"session:{session_id}", "stage.state", state)
        except Exception:  # the bus away: the change stands; the next one carries the state
            log.exception("could not push the stage's state", extra={"session": session_id})
        return state

    async def _monitor(self, session_id: int) -> None:
        """Levels and thumbnails of the session's sources to its moderators' room."""
        thumbnails = Thumbnailer()
        staff = f"session:{session_id}:staff"
        tick = 0
        while True:
            await asyncio.sleep(LEVELS_SECONDS)
            sources = self.sources(session_id)
            try:
                levels = {s.id: round(s.audio.level(), 3) for s in sources}
                await self._publish(staff, "stage.levels", {"levels": levels})
                for s in sources:  # a new source's first thumbnail comes at once
                    if s.latest is not None and (
                        s.previewed == 0 or (tick % PREVIEW_EVERY == 0 and s.frames != s.previewed)
                    ):
                        s.previewed = s.frames
                        preview = {"source": s.id, "image": thumbnails.data_url(s.latest)}
                        await self._publish(staff, "stage.preview", preview)
            except Exception:
                log.exception("backstage monitor failed a round", extra={"session": session_id})
            tick += 1

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
                    if source.frames == 1:  # now `receiving`: the console shows its picture
                        await self._announce(source.session_id)
                elif isinstance(frame, av.AudioFrame):
                    source.audio.push(frame)

    def _source(self, session_id: int, source_id: str) -> Source:
        """A source to take, move or mute: it exists and connected (or may still)."""
        source = self._sources.get(session_id, {}).get(source_id)
        if source is None:
            raise NotFound(f"source: no source {source_id!r} here", field="source")
        if source.failure is not None:
            raise Conflict(f"source: {source_id!r} could not connect ({source.failure})")
        return source

    async def _fail(self, source: Source, why: LinkFailure, words: str) -> None:
        """A source could not connect: logged, kept listed as failed (off air, out of the
        mix) for FAILED_KEPT_SECONDS, its peer connection closed."""
        _log_failure("source", source, why, words)
        source.failure, source.state = why, SourceState.backstage
        if self.on_air.get(source.session_id) == source.id:
            self.on_air[source.session_id] = None
        loop = asyncio.get_running_loop()
        source.expiry = loop.call_later(FAILED_KEPT_SECONDS, self._expire, source)
        await self._announce(source.session_id)
        await source.pc.close()

    def _expire(self, source: Source) -> None:
        chore = asyncio.create_task(self._close(source), name="stage-failed-source")
        self._chores.add(chore)
        chore.add_done_callback(self._chores.discard)

    async def _gone(self, source: Source) -> None:
        """Its connection closed or failed: a source that had connected leaves; a failed one
        stays listed (`_fail`)."""
        if source.failure is None:
            await self._close(source)

    async def take(self, session_id: int, source_id: str) -> dict[str, Any]:
        """Put a source's video on air (from the program's next frame); whoever was on air
        stays on stage (still heard). The program is recorded from its first take."""
        source = self._source(session_id, source_id)
        previous = self.on_air.get(session_id)
        if previous is not None and previous != source_id:
            self._source(session_id, previous).state = SourceState.stage
        source.state = SourceState.air
        self.on_air[session_id] = source_id
        self._record(session_id)
        return await self._announce(session_id)

    async def change(
        self,
        session_id: int,
        source_id: str,
        *,
        to: SourceState | None = None,
        muted: bool | None = None,
    ) -> dict[str, Any]:
        """Mute or unmute a source, and move it to the stage (heard), backstage or on air;
        one change, one `stage.state`."""
        source = self._source(session_id, source_id)
        if muted is not None:
            source.muted = muted
        if to is SourceState.air:
            return await self.take(session_id, source_id)
        if to is not None:
            source.state = to
            if self.on_air.get(session_id) == source_id:
                self.on_air[session_id] = None
        return await self._announce(session_id)

    async def end_guest(self, session_id: int, user_id: int) -> None:
        """A guest's seat ends (their raised hand was lowered): their sources leave."""
        for source in self.sources(session_id):
            if source.guest and source.user_id == user_id:
                await self._close(source)

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
        session_id = source.session_id
        if self.on_air.get(session_id) == source.id:
            self.on_air[session_id] = None
        if source.expiry is not None:
            source.expiry.cancel()
        for reader in source.readers:
            reader.cancel()
        await source.pc.close()
        if not self._sources.get(session_id):
            self._sources.pop(session_id, None)
            monitor = self._monitors.pop(session_id, None)
            if monitor is not None:
                monitor.cancel()
            await self._retire(session_id)
        await self._announce(session_id)

    async def close(self) -> None:
        for viewer in list(self._viewers.values()):
            await self._end_viewer(viewer)
        for session in list(self._sources.values()):
            for source in list(session.values()):
                await self._close(source)
        for feed in list(self._feeds.values()):
            await feed.stop()
        self._feeds.clear()


def _follow(pc: RTCPeerConnection, handshakes: Handshakes, *, failed: Failed, gone: Gone) -> None:
    """`failed(why, words)` when the connection fails before it ever connected; `gone()` when
    it closes, or fails after it was up, without a DELETE (a tab closed, a network gone)."""
    connected = False

    async def changed() -> None:
        nonlocal connected
        state = pc.connectionState
        if state == "connected":
            connected = True
        elif state == "failed" and not connected:
            await failed(*(handshakes.failure() or (LinkFailure.ice, "the connection failed")))
        elif state in ("failed", "closed"):
            await gone()

    pc.on("connectionstatechange", changed)


def _log_failure(kind: str, peer: Source | Viewer, why: LinkFailure, words: str) -> None:
    log.warning(
        "stage %s %s (session %s, user %s) could not connect: %s failed: %s",
        kind,
        peer.id,
        peer.session_id,
        peer.user_id,
        why.value.upper(),
        words,
        extra={"session": peer.session_id, "source" if kind == "source" else "viewer": peer.id},
    )


def _codecs(kind: str, mime: str) -> list[Any]:
    """aiortc's codecs of the shared encoder's kind (with video's retransmission codec)."""
    codecs = RTCRtpSender.getCapabilities(kind).codecs
    return [c for c in codecs if c.mimeType in (mime, "video/rtx")]
