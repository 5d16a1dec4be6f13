"""The bench's speaker: a moving test picture, 640x360 at 30 fps (and, with `--audio`, a
tone), published by an aiortc peer.

The picture pans across a shaded, striped texture that repeats every `PERIOD` pixels, so
two seconds of frames (`LOOP_FRAMES`) loop without a seam. Every frame differs from the one
before, so encoders do real motion search, as for a camera, while the bench spends no CPU
drawing: the planes are computed once and copied into each frame.
"""

from __future__ import annotations

import asyncio
import fractions
import math
import time
from multiprocessing.connection import Connection

import av
from aiortc import (
    AudioStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)
from stage_worker import Handler, answer_commands

WIDTH, HEIGHT = 640, 360
PERIOD = 240  # pixels; the pan moves STEP of them a frame
STEP = 4
LOOP_FRAMES = PERIOD // STEP  # two seconds at 30 fps

Planes = tuple[bytes, bytes, bytes]


def _rows(width: int, height: int, period: int, shade: float, contrast: float) -> list[bytes]:
    """A texture `width + period` wide, periodic across `period` pixels."""
    k = 2 * math.pi / period
    rows = []
    for y in range(height):
        values = (
            128
            + contrast
            * (
                55 * math.sin(2 * k * x + y / 23 + shade)
                + 35 * math.sin(5 * k * x) * math.cos(y / 9 + shade)
                + (24 if (x // 12 + y // 12) % 2 else -24)
            )
            for x in range(width + period)
        )
        rows.append(bytes(max(16, min(235, round(v))) for v in values))
    return rows


def _pan(rows: list[bytes], offset: int, width: int) -> bytes:
    return b"".join(row[offset : offset + width] for row in rows)


def moving_picture() -> list[Planes]:
    """The loop's frames as yuv420p planes (Y, U, V)."""
    luma = _rows(WIDTH, HEIGHT, PERIOD, 0.0, 1.0)
    u = _rows(WIDTH // 2, HEIGHT // 2, PERIOD // 2, 1.0, 0.3)
    v = _rows(WIDTH // 2, HEIGHT // 2, PERIOD // 2, 2.0, 0.3)
    return [
        (
            _pan(luma, i * STEP, WIDTH),
            _pan(u, i * STEP // 2, WIDTH // 2),
            _pan(v, i * STEP // 2, WIDTH // 2),
        )
        for i in range(LOOP_FRAMES)
    ]


class MovingPicture(VideoStreamTrack):
    """A camera filming the pan, paced at 30 fps by aiortc's `next_timestamp`."""

    def __init__(self) -> None:
        super().__init__()
        self._frames = moving_picture()
        self._count = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        planes = self._frames[self._count % len(self._frames)]
        self._count += 1
        frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
        for plane, data in zip(frame.planes, planes, strict=True):
            plane.update(data)
        frame.pts, frame.time_base = pts, time_base
        return frame


class Tone(AudioStreamTrack):
    """A microphone hearing a steady 400 Hz tone: 48 kHz mono, 20 ms frames, paced in time."""

    RATE, SAMPLES = 48_000, 960

    def __init__(self) -> None:
        super().__init__()
        wave = (round(8000 * math.sin(2 * math.pi * 400 * i / self.RATE)) for i in range(960))
        self._samples = b"".join(v.to_bytes(2, "little", signed=True) for v in wave)
        self._started: float | None = None
        self._sent = 0

    async def recv(self) -> av.AudioFrame:
        if self._started is None:
            self._started = time.monotonic()
        await asyncio.sleep(max(0.0, self._started + self._sent / self.RATE - time.monotonic()))
        frame = av.AudioFrame(format="s16", layout="mono", samples=self.SAMPLES)
        frame.planes[0].update(self._samples)
        frame.pts, frame.sample_rate = self._sent, self.RATE
        frame.time_base = fractions.Fraction(1, self.RATE)
        self._sent += self.SAMPLES
        return frame


def publisher_process(pipe: Connection, audio: bool) -> None:
    """The speaker: `offer` gives its SDP offer, `answer` takes the server's answer."""
    asyncio.run(_publish(pipe, audio))


async def _publish(pipe: Connection, audio: bool) -> None:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))  # host candidates only
    pc.addTransceiver(MovingPicture(), direction="sendonly")
    if audio:
        pc.addTransceiver(Tone(), direction="sendonly")

    async def offer(_: object) -> str:
        await pc.setLocalDescription(await pc.createOffer())
        assert pc.localDescription is not None
        return pc.localDescription.sdp

    async def answer(sdp: str) -> None:
        await pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))

    async def state(_: object) -> str:
        return pc.connectionState

    async def close(_: object) -> None:
        await pc.close()

    handlers: dict[str, Handler] = {"offer": offer, "answer": answer, "state": state}
    await answer_commands(pipe, {**handlers, "close": close})
