"""Program audio: every on-stage, unmuted source mixed into one track, encoded once with Opus.

Each source's incoming audio goes into an `AudioInput`: resampled to 48 kHz mono, buffered a
little against network jitter (at most `MAX_BUFFER_SECONDS`; older audio is dropped so a
source never lags behind the program), and metered for the backstage's level bars. What a burst
of packets (or audio that came before the mix started) leaves in the buffer is not kept for
ever: when the buffer stayed above a frame of slack for most of half a second, the surplus is
dropped, so a source's sound stays as close to its picture as the jitter allows (aiortc's own
jitter buffer, before this one, absorbs the network's). The
`ProgramAudio` ticker takes 20 ms from each input it is told to mix, sums them (clipped), and
encodes the sum once; each viewer's `ProgramAudioTrack` yields the shared Opus packets, so
aiortc's sender only packetizes them, as for video.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import math
import time
from collections.abc import Callable, Iterable
from typing import Protocol

import av
import numpy as np
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

SAMPLE_RATE = 48_000
FRAME_SAMPLES = 960  # 20 ms
FRAME_BYTES = FRAME_SAMPLES * 2  # s16 mono
MAX_BUFFER_SECONDS = 0.2
PRIMED_FRAMES = 2  # an input is mixed once it holds 40 ms (again after running dry)
SLACK_BYTES = FRAME_BYTES  # what the buffer may keep after a take, most of the time
SLACK_WINDOW = 25  # takes (half a second) between looks at the buffer's depth
SLACK_SHARE = 5  # ... ignoring the lowest fifth (a stalled event loop's catching up)
LISTENER_QUEUE = 50  # packets (a second); a listener further behind loses the oldest
SILENCE = np.zeros(FRAME_SAMPLES, dtype=np.int16)
TIME_BASE = fractions.Fraction(1, SAMPLE_RATE)


class AudioInput:
    """One source's audio, ready to mix: 48 kHz mono s16, with its loudest level since read."""

    def __init__(self) -> None:
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        self._buffer = bytearray()
        self._primed = False
        self._loudest = 0.0  # RMS, 0..1 of full scale
        self._left: list[int] = []  # what each take left in the buffer, this window

    def push(self, frame: av.AudioFrame) -> None:
        for out in self._resampler.resample(frame):
            data = bytes(out.planes[0])[: out.samples * 2]
            samples = np.frombuffer(data, dtype=np.int16).astype(np.float32)
            if samples.size:
                rms = float(np.sqrt(np.mean(samples * samples))) / 32768.0
                self._loudest = max(self._loudest, rms)
            self._buffer += data
        overflow = len(self._buffer) - int(MAX_BUFFER_SECONDS * SAMPLE_RATE) * 2
        if overflow > 0:
            del self._buffer[:overflow]

    def take(self) -> np.ndarray | None:
        """The next 20 ms, or None while the buffer fills (at start, after running dry)."""
        if not self._primed and len(self._buffer) >= PRIMED_FRAMES * FRAME_BYTES:
            self._primed = True  # from the latest 40 ms: older audio would lag behind the picture
            del self._buffer[: len(self._buffer) - PRIMED_FRAMES * FRAME_BYTES]
        if not self._primed:
            return None
        if len(self._buffer) < FRAME_BYTES:
            self._primed = False
            return None
        chunk = np.frombuffer(bytes(self._buffer[:FRAME_BYTES]), dtype=np.int16)
        del self._buffer[:FRAME_BYTES]
        self._keep_up()
        return chunk

    def _keep_up(self) -> None:
        """Drop what the buffer held beyond its slack for most of half a second (a latency
        that jitter does not need: it would delay this source's sound behind its picture)."""
        self._left.append(len(self._buffer))
        if len(self._left) < SLACK_WINDOW:
            return
        low = sorted(self._left)[len(self._left) // SLACK_SHARE]
        surplus = (min(low, len(self._buffer)) - SLACK_BYTES) // 2 * 2  # whole samples
        if surplus > 0:
            del self._buffer[:surplus]
        self._left = []

    def drop(self) -> None:
        """Forget what is buffered (a source that is not mixed must not replay old audio when
        it comes on stage)."""
        self._buffer.clear()
        self._primed = False
        self._left = []

    def level(self) -> float:
        """The loudest moment since the last call, 0..1 on a 60 dB scale (the meter's)."""
        loudest, self._loudest = self._loudest, 0.0
        if loudest <= 0:
            return 0.0
        return max(0.0, min(1.0, (20 * math.log10(loudest) + 60) / 60))


def mix(chunks: Iterable[np.ndarray]) -> np.ndarray:
    """Sum 20 ms chunks, clipped to 16 bits."""
    total: np.ndarray | None = None
    for chunk in chunks:
        total = chunk.astype(np.int32) if total is None else total + chunk
    if total is None:
        return SILENCE
    return np.clip(total, -32768, 32767).astype(np.int16)


class AudioSink(Protocol):
    def audio(self, frame: av.AudioFrame) -> None: ...


class ProgramAudio:
    """A session's program audio: `mixed()` names the inputs on stage and unmuted; `drop()`
    gets the others (their buffers are emptied, not mixed)."""

    def __init__(
        self,
        mixed: Callable[[], tuple[list[AudioInput], list[AudioInput]]],
        *,
        bitrate: int = 64_000,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._mixed = mixed
        self._now = now
        self._encoder = _opus(bitrate)
        self._listeners: set[ProgramAudioTrack] = set()
        self.sink: AudioSink | None = None
        self._count = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="program-audio")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for listener in list(self._listeners):
            listener.stop()

    def listener(self) -> ProgramAudioTrack:
        track = ProgramAudioTrack(self)
        self._listeners.add(track)
        return track

    def _forget(self, track: ProgramAudioTrack) -> None:
        self._listeners.discard(track)

    @property
    def heard(self) -> bool:
        return bool(self._listeners)

    async def _run(self) -> None:
        started = self._now()
        while True:
            self._tick()
            self._count += 1
            await asyncio.sleep(
                max(0.0, started + self._count * FRAME_SAMPLES / SAMPLE_RATE - self._now())
            )

    def _tick(self) -> None:
        on_stage, others = self._mixed()
        for quiet in others:
            quiet.drop()
        samples = mix(c for c in (i.take() for i in on_stage) if c is not None)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._count * FRAME_SAMPLES
        frame.time_base = TIME_BASE
        if self.sink is not None:
            self.sink.audio(frame)
        for packet in self._encoder.encode(frame):
            packet.time_base = TIME_BASE
            for listener in list(self._listeners):
                listener.offer(packet)


class ProgramAudioTrack(MediaStreamTrack):
    """One viewer's program audio: the shared encoder's Opus packets."""

    kind = "audio"

    def __init__(self, program: ProgramAudio) -> None:
        super().__init__()
        self._program = program
        self._queue: asyncio.Queue[av.Packet] = asyncio.Queue(LISTENER_QUEUE)

    def offer(self, packet: av.Packet) -> None:
        if self._queue.full():
            self._queue.get_nowait()  # behind: lose the oldest 20 ms
        self._queue.put_nowait(packet)

    async def recv(self) -> av.Packet:
        if self.readyState != "live":
            raise MediaStreamError
        return await self._queue.get()

    def stop(self) -> None:
        super().stop()
        self._program._forget(self)


def _opus(bitrate: int) -> av.audio.codeccontext.AudioCodecContext:
    codec = av.CodecContext.create("libopus", "w")
    codec.sample_rate = SAMPLE_RATE
    codec.format = "s16"
    codec.layout = "mono"
    codec.bit_rate = bitrate
    codec.time_base = TIME_BASE
    codec.options = {"application": "audio", "frame_duration": "20"}
    return codec
