"""Viewers for bench/stage.py: aiortc peers that receive the program without decoding it.

Each viewer is a real RTCPeerConnection (ICE with its consent checks, the DTLS handshake,
SRTP keys) that counts what arrives instead of decoding it: decoding a hundred 360p streams,
or even running aiortc's receive path for each packet, would take the 2-core machine from the
server being measured. Two depths:

- socket (the default): media packets are counted as they come off the socket, from their
  RTP header (which SRTP leaves in clear); DTLS and STUN still go to aiortc and aioice.
- srtp: every packet goes through aiortc's receive path (SRTP decryption, RTP parsing) up to
  the receiver, whose `_handle_rtp_packet` counts it: no jitter buffer, no decoder.

Either way no NACK, PLI or bandwidth estimate goes back to the server. A frame counts at its
last packet (the RTP marker bit); gaps in the sequence numbers count as lost packets. With
audio, its packets are told from the video's by payload type and only counted. One process
holds many viewers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.rtp import RtpPacket, is_rtcp
from aiortc.sdp import SessionDescription
from stage_worker import Handler, answer_commands

# video frames, packets, bytes, lost packets; audio packets
Counts = tuple[int, int, int, int, int]


@dataclass
class Reception:
    """What one viewer has received of one kind so far."""

    frames: int = 0
    packets: int = 0
    bytes: int = 0
    first: int | None = None  # first sequence number
    top: int = 0  # highest sequence number, unwrapped
    arrived: asyncio.Event = field(default_factory=asyncio.Event)  # the first whole frame

    def add(self, marker: int, sequence: int, size: int) -> None:
        self.packets += 1
        self.bytes += size
        self.frames += marker
        if marker and self.frames == 1:
            self.arrived.set()
        if self.first is None:
            self.first = self.top = sequence
            return
        ahead = (sequence - self.top) & 0xFFFF
        if ahead < 0x8000:
            self.top += ahead

    async def handle(self, packet: RtpPacket, arrival_time_ms: int) -> None:
        """The receiver's end of aiortc's path (the `srtp` depth): a decrypted packet."""
        self.add(packet.marker, packet.sequence_number, len(packet.payload))

    def lost(self) -> int:
        expected = 0 if self.first is None else self.top - self.first + 1
        return max(0, expected - self.packets)


@dataclass
class Viewer:
    pc: RTCPeerConnection
    video: Reception = field(default_factory=Reception)
    audio: Reception = field(default_factory=Reception)
    video_types: set[int] = field(default_factory=set)  # RTP payload types, from the answer

    def counts(self) -> Counts:
        v = self.video
        return v.frames, v.packets, v.bytes, v.lost(), self.audio.packets


class Viewers:
    """The viewers of one process: `open` makes offers, `answer` takes the server's answers,
    `started` waits until each new viewer has had a frame."""

    def __init__(self, depth: str, audio: bool) -> None:
        self._depth, self._audio = depth, audio
        self._config = RTCConfiguration(iceServers=[])  # host candidates only
        self._viewers: list[Viewer] = []
        self._pending: list[Viewer] = []

    async def open(self, count: int) -> list[str]:
        self._pending = [self._viewer() for _ in range(count)]
        await asyncio.gather(*(self._offer(v.pc) for v in self._pending))
        return [_sdp(v.pc) for v in self._pending]

    def _viewer(self) -> Viewer:
        viewer = Viewer(RTCPeerConnection(self._config))
        video = viewer.pc.addTransceiver("video", direction="recvonly").receiver
        if self._audio:
            audio = viewer.pc.addTransceiver("audio", direction="recvonly").receiver
        if self._depth == "srtp":
            video._handle_rtp_packet = viewer.video.handle  # type: ignore[method-assign]
            if self._audio:
                audio._handle_rtp_packet = viewer.audio.handle  # type: ignore[method-assign]
        else:
            ice = video.transport.transport._connection  # one, bundled
            counter = _at_socket(viewer, ice.data_received)
            ice.data_received = counter  # type: ignore[method-assign, assignment]
        return viewer

    async def _offer(self, pc: RTCPeerConnection) -> None:
        await pc.setLocalDescription(await pc.createOffer())

    async def answer(self, answers: list[str]) -> None:
        for viewer, sdp in zip(self._pending, answers, strict=True):
            viewer.video_types = {
                codec.payloadType
                for media in SessionDescription.parse(sdp).media
                if media.kind == "video"
                for codec in media.rtp.codecs
                if codec.payloadType is not None
            }
            await viewer.pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))
            self._viewers.append(viewer)
        self._pending = []

    async def started(self, seconds: float) -> int:
        """How many viewers have had a frame, once all have or `seconds` have passed."""
        waits = asyncio.gather(*(v.video.arrived.wait() for v in self._viewers))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waits, seconds)
        return sum(1 for v in self._viewers if v.video.frames)

    def counts(self) -> list[Counts]:
        return [v.counts() for v in self._viewers]

    async def close(self) -> None:
        await asyncio.gather(*(v.pc.close() for v in self._viewers), return_exceptions=True)


def _at_socket(
    viewer: Viewer, onward: Callable[[bytes, int], None]
) -> Callable[[bytes, int], None]:
    """An ICE connection's `data_received` that counts SRTP packets from their clear header
    (SRTCP dropped) and hands everything else (DTLS) on to aiortc."""

    def data_received(data: bytes, component: int) -> None:
        if 127 < data[0] < 192 and len(data) >= 12:
            if not is_rtcp(data):
                kind = viewer.video if data[1] & 0x7F in viewer.video_types else viewer.audio
                kind.add(data[1] >> 7, data[2] << 8 | data[3], len(data))
        else:
            onward(data, component)

    return data_received


def _sdp(pc: RTCPeerConnection) -> str:
    assert pc.localDescription is not None
    return pc.localDescription.sdp


def viewers_process(pipe: Connection, depth: str, audio: bool) -> None:
    asyncio.run(_serve(pipe, depth, audio))


async def _serve(pipe: Connection, depth: str, audio: bool) -> None:
    viewers = Viewers(depth, audio)

    async def counts(_: object) -> list[Counts]:
        return viewers.counts()

    async def close(_: object) -> None:
        await viewers.close()

    handlers: dict[str, Handler] = {
        "open": viewers.open,
        "answer": viewers.answer,
        "started": viewers.started,
        "counts": counts,
        "close": close,
    }
    await answer_commands(pipe, handlers)
