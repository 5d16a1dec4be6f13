"""The server side of bench/stage.py, in a process of its own with one asyncio loop.

Three designs take the same publisher and the same viewers:

- program: Pavilion's `Stage`, driven through the verbs its HTTP routes call: the
  publisher's offer goes to `Stage.publish`, its source is taken on air (`Stage.take`), each
  viewer's offer goes to `Stage.watch`. One H.264 encode for everyone; each viewer's sender
  only packetizes the shared packets.
- naive: the textbook aiortc relay: the publisher's decoded track through `MediaRelay`
  (unbuffered, so a viewer whose encoder falls behind gets the latest frame rather than a
  growing queue), one RTCPeerConnection per viewer whose sender encodes H.264 itself, with
  the program feed's x264 settings (ultrafast, zerolatency, baseline, 1 Mbit/s): the two
  designs differ in how often they encode, not in how.
- naive-aiortc: the same relay with aiortc's stock H.264 encoder (x264's default preset,
  medium), as a team would get it out of the box.

All three read the publisher's video continuously from the start (decoding it), as the Stage
does for every source: that is part of the fixed cost, not of a viewer's.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any, Protocol

import av
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
    rtcrtpsender,
)
from aiortc.codecs.h264 import H264Encoder
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamError
from stage_worker import Handler, answer_commands

from server.stage.ingest import Stage, StageConfig
from server.stage.program import _encoder as program_encoder

SESSION, SPEAKER, VIEWER = 1, 1, 2
FPS, BITRATE = 30, 1_000_000


class Design(Protocol):
    async def publish(self, offer: str) -> str: ...
    async def watch(self, offer: str) -> str: ...
    def source_frames(self) -> int:
        """Video frames received from the publisher so far; -1 once it is gone."""
        ...

    async def close(self) -> None: ...


class ProgramDesign:
    """Pavilion's stage: one session, its one source on air."""

    def __init__(self) -> None:
        # Host candidates only, the default program format, no recording; stage events go
        # nowhere (no room to push them to).
        self.stage = Stage(StageConfig())

    async def publish(self, offer: str) -> str:
        source = await self.stage.publish(SESSION, SPEAKER, "bench camera", offer)
        await self.stage.take(SESSION, source.id)
        return self.stage.answer(source)

    async def watch(self, offer: str) -> str:
        viewer = await self.stage.watch(SESSION, VIEWER, offer)
        assert viewer.pc.localDescription is not None
        return viewer.pc.localDescription.sdp

    def source_frames(self) -> int:
        sources = self.stage.sources(SESSION)
        return sources[0].frames if sources else -1  # the source is gone

    async def close(self) -> None:
        await self.stage.close()


class NaiveDesign:
    """aiortc's MediaRelay: every viewer's sender encodes the decoded source itself."""

    def __init__(self) -> None:
        self._config = RTCConfiguration(iceServers=[])
        self._relay = MediaRelay()
        self._sources: dict[str, MediaStreamTrack] = {}  # by kind
        self._peers: list[RTCPeerConnection] = []
        self._frames = 0
        self._readers: list[asyncio.Task[None]] = []

    async def publish(self, offer: str) -> str:
        pc = RTCPeerConnection(self._config)
        self._peers.append(pc)
        pc.on("track", self._received)
        return await _answer(pc, offer)

    def _received(self, track: MediaStreamTrack) -> None:
        self._sources[track.kind] = track
        self._readers.append(asyncio.create_task(self._drain(self._relay.subscribe(track, False))))

    async def _drain(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                await track.recv()
                self._frames += track.kind == "video"
        except MediaStreamError:
            pass

    async def watch(self, offer: str) -> str:
        """A viewer: the video through its own H.264 encoder, and the audio, when the
        offer asks for it, through its own Opus encoder."""
        pc = RTCPeerConnection(self._config)
        self._peers.append(pc)
        video = self._relay.subscribe(self._sources["video"], buffered=False)
        pc.addTransceiver(video, direction="sendonly").setCodecPreferences(h264())
        if "m=audio" in offer and "audio" in self._sources:
            audio = self._relay.subscribe(self._sources["audio"], buffered=False)
            pc.addTransceiver(audio, direction="sendonly")
        return await _answer(pc, offer)

    def source_frames(self) -> int:
        publisher = self._peers[0] if self._peers else None
        gone = publisher is not None and publisher.connectionState in ("failed", "closed")
        return -1 if gone else self._frames

    async def close(self) -> None:
        for reader in self._readers:
            reader.cancel()
        for pc in self._peers:
            await pc.close()


async def _answer(pc: RTCPeerConnection, offer: str) -> str:
    await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    assert pc.localDescription is not None
    return pc.localDescription.sdp


def h264() -> list[Any]:
    """aiortc's H.264 codecs and their retransmission codec (what `Stage.watch` offers)."""
    codecs = RTCRtpSender.getCapabilities("video").codecs
    return [c for c in codecs if c.mimeType in ("video/H264", "video/rtx")]


class ProgramSettingsH264(H264Encoder):
    """aiortc's H.264 encoder (its packetizer, its keyframes on PLI) with the program feed's
    x264 settings, so that a naive viewer's encode costs what the program's one encode does."""

    def _encode_frame(self, frame: av.VideoFrame, force_keyframe: bool) -> Iterator[bytes]:
        if self.codec is None:
            self.codec = program_encoder(frame.width, frame.height, FPS, BITRATE)
        picture = av.video.frame.PictureType
        frame.pict_type = picture.I if force_keyframe else picture.NONE
        data = b"".join(bytes(packet) for packet in self.codec.encode(frame))
        if data:
            yield from self._split_bitstream(data)


def use_program_settings_for_h264() -> None:
    """Make aiortc's senders in this process encode H.264 with `ProgramSettingsH264`."""
    stock = rtcrtpsender.get_encoder

    def get_encoder(codec: Any) -> Any:
        if codec.mimeType.lower() == "video/h264":
            return ProgramSettingsH264()
        return stock(codec)

    rtcrtpsender.get_encoder = get_encoder


class LagMeter:
    """How late the event loop wakes a task that sleeps 10 ms at a time: a loop that runs
    more than it can (one core's worth) falls behind, and every timer with it, aioice's
    0.5 s STUN consent checks included."""

    TICK = 0.01

    def __init__(self) -> None:
        self._late: list[float] = []  # seconds, since the last `take`
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="lag-meter")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time() + self.TICK
            await asyncio.sleep(self.TICK)
            self._late.append(max(0.0, loop.time() - asked))

    def take(self) -> tuple[float, float]:
        """The 99th percentile and the worst lateness (ms) since the last call."""
        late, self._late = sorted(self._late), []
        if not late:
            return 0.0, 0.0
        return late[int(0.99 * (len(late) - 1))] * 1000, late[-1] * 1000


async def profile(seconds: float) -> pstats.Stats:
    """cProfile of this process's event-loop thread for `seconds` (x264's own threads and
    the executor's are not in it)."""
    profiler = cProfile.Profile()
    profiler.enable()
    await asyncio.sleep(seconds)
    profiler.disable()
    return pstats.Stats(profiler)


def server_process(pipe: Connection, design: str) -> None:
    asyncio.run(_serve(pipe, design))


async def _serve(pipe: Connection, name: str) -> None:
    if name == "naive":
        use_program_settings_for_h264()
    design: Design = ProgramDesign() if name == "program" else NaiveDesign()
    lag = LagMeter()
    lag.start()

    async def watch(offers: list[str]) -> list[str]:
        return list(await asyncio.gather(*(design.watch(offer) for offer in offers)))

    async def source_frames(_: object) -> int:
        return design.source_frames()

    async def lateness(_: object) -> tuple[float, float]:
        return lag.take()

    async def profiled(seconds: float) -> dict[tuple[str, int, str], tuple[float, float, int]]:
        stats = await profile(seconds)
        # {(file, line, function): (own seconds, cumulative seconds, calls)}
        raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
        return {key: (tt, ct, nc) for key, (_cc, nc, tt, ct, _callers) in raw.items()}

    async def close(_: object) -> None:
        await design.close()

    handlers: dict[str, Handler] = {
        "publish": design.publish,
        "watch": watch,
        "source_frames": source_frames,
        "lag": lateness,
        "profile": profiled,
        "close": close,
    }
    await answer_commands(pipe, handlers)
