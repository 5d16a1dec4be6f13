"""The program feed: one video encoder per session, every viewer fed the same packets.

A ticker on the program's own clock takes the on-air source's latest frame (or holds the
last one, or a black slate before anything went on air), scales it to the program format,
stamps it with its frame number on that clock (a frame the CPU had no time for is skipped,
not shifted), and encodes it once with H.264 (constrained baseline, libx264 tuned for latency).
Each viewer's `ProgramVideoTrack` yields those encoded packets, so aiortc's sender only
packetizes them. Keyframes: one every 2 s, plus one on
request (a viewer's PLI/FIR through `hook_keyframes`, or a new viewer), at most one per second.

The scaling and the encoding run in the feed's own thread (PyAV lets go of the GIL while
x264 works): measured at a 1280x720 program, a tick took 2 ms (median) to 6 ms, thirty times a
second, on the event loop every socket of the node shares. The loop only picks the frame,
decides on keyframes, and hands the packets to viewers and the recorder.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import av
from aiortc import MediaStreamTrack, RTCRtpSender
from aiortc.mediastreams import MediaStreamError
from av.video.reformatter import VideoReformatter

from server.stage.audio import AudioInput, ProgramAudio
from server.stage.recording import Recorder

log = logging.getLogger("pavilion.stage.program")

VIDEO_CLOCK = 90_000
KEYFRAME_EVERY_SECONDS = 2.0
FORCED_KEYFRAME_GAP_SECONDS = 1.0
VIEWER_QUEUE = 30  # packets (a second at 30 fps); a viewer further behind skips to a keyframe


class ProgramFeed:
    """One session's program: `latest()` gives the on-air frame or None; `mixed()` the audio
    inputs to mix and those to silence (see ProgramAudio)."""

    def __init__(
        self,
        latest: Callable[[], Any],
        mixed: Callable[[], tuple[list[AudioInput], list[AudioInput]]] = lambda: ([], []),
        *,
        width: int = 640,
        height: int = 360,
        fps: int = 30,
        bitrate: int = 1_000_000,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._latest = latest
        self.width, self.height, self.fps = width, height, fps
        self._now = now
        self._time_base = fractions.Fraction(1, VIDEO_CLOCK)
        self._encoder = _encoder(width, height, fps, bitrate)
        self._viewers: set[ProgramVideoTrack] = set()
        self._held: av.VideoFrame | None = None
        self._scaler = VideoReformatter()  # used on the encoder's thread only
        self._count = 0  # the frame's number on the program's clock (skipped ones count)
        self._previous: int | None = None  # the number of the frame encoded before
        self._keyframe_wanted = True
        self._last_forced = -FORCED_KEYFRAME_GAP_SECONDS
        self.keyframes = 0  # encoded so far (forced and regular)
        self.forced = 0
        self.audio = ProgramAudio(mixed, now=now)
        self.recorder: Recorder | None = None
        self._task: asyncio.Task[None] | None = None
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="program-encode")

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="program-feed")
            self.audio.start()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.audio.stop()
        for viewer in list(self._viewers):
            viewer.stop()
        if self.recorder is not None:  # off the loop: a fast-start MP4 is rewritten whole
            await asyncio.to_thread(self.recorder.close)
        self._worker.shutdown(wait=False)

    def record(self, recorder: Recorder) -> None:
        """Write the program from its next keyframe on (asked for now)."""
        self.recorder = recorder
        self.audio.sink = recorder
        self.request_keyframe()

    def request_keyframe(self) -> None:
        """A viewer asked for a keyframe: the next frame is one, or, when one was forced less
        than a second ago, the first frame a second after it (requests meanwhile are served
        by that one keyframe, or by the regular one if it comes first)."""
        self._keyframe_wanted = True

    def viewer(self) -> ProgramVideoTrack:
        """A new viewer's track: it starts at the next keyframe (asked for now)."""
        track = ProgramVideoTrack(self)
        self._viewers.add(track)
        self.request_keyframe()
        return track

    def hook_keyframes(self, sender: RTCRtpSender) -> None:
        """Route the viewer's keyframe requests to the shared encoder. aiortc honours PLI/FIR
        only when it encodes itself; on the encoded-packet path its sender's `_send_keyframe`
        would do nothing (aiortc is pinned; tests/integration/test_stage_program.py checks)."""
        sender._send_keyframe = self.request_keyframe  # type: ignore[method-assign]

    def _forget(self, track: ProgramVideoTrack) -> None:
        self._viewers.discard(track)

    @property
    def watched(self) -> bool:
        return bool(self._viewers) or self.audio.heard

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        started = self._now()
        while True:
            source, keyframe = self._latest(), self._keyframe_now()
            packets = await loop.run_in_executor(
                self._worker, self._encode, source, self._count, keyframe
            )
            self._deliver(packets)
            # The next frame is the one due now: a feed that fell behind (a starved CPU) skips
            # frames rather than lag, so its timestamps stay on the clock the program audio
            # keeps too, and picture and sound stay together in the recording.
            self._count = max(self._count + 1, int((self._now() - started) * self.fps))
            await asyncio.sleep(max(0.0, started + self._count / self.fps - self._now()))

    def _tick(self) -> None:
        """One frame, all on the calling thread (what `_run` does across two)."""
        self._deliver(self._encode(self._latest(), self._count, self._keyframe_now()))

    def _keyframe_now(self) -> bool:
        """Whether the next frame is a keyframe: a regular one, or one asked for (at most one a
        second)."""
        every = int(self.fps * KEYFRAME_EVERY_SECONDS)
        previous, self._previous = self._previous, self._count
        regular = previous is None or self._count // every != previous // every
        forced = (
            self._keyframe_wanted
            and not regular
            and self._now() - self._last_forced >= FORCED_KEYFRAME_GAP_SECONDS
        )
        if regular or forced:
            self._keyframe_wanted = False
        if forced:
            self.forced += 1
            self._last_forced = self._now()
        return regular or forced

    def _encode(self, source: Any, count: int, keyframe: bool) -> list[av.Packet]:
        """Scale and encode one frame (in the feed's thread, with the feed's own reformatter)."""
        frame = self._program_frame(source)
        frame.pts = count * VIDEO_CLOCK // self.fps
        frame.time_base = self._time_base
        if keyframe:
            frame.pict_type = av.video.frame.PictureType.I
        return list(self._encoder.encode(frame))

    def _deliver(self, packets: list[av.Packet]) -> None:
        for packet in packets:
            packet.time_base = self._time_base
            if packet.is_keyframe:
                self.keyframes += 1
            for viewer in list(self._viewers):
                viewer.offer(packet)
            if self.recorder is not None:
                self.recorder.video(packet)

    def _program_frame(self, source: Any) -> av.VideoFrame:
        if source is not None:
            # With this feed's own reformatter, not the frame's: the same source frame may be
            # scaled for a thumbnail on the event loop meanwhile (server/stage/previews.py).
            self._held = self._scaler.reformat(source, self.width, self.height, format="yuv420p")
        if self._held is None:
            self._held = av.VideoFrame(self.width, self.height, "yuv420p")
            for plane, value in zip(self._held.planes, (16, 128, 128), strict=True):
                plane.update(bytes([value]) * plane.buffer_size)
        return self._held  # already the program's size and format: encoded again as it is


class ProgramVideoTrack(MediaStreamTrack):
    """One viewer's program video: the shared encoder's packets, from a keyframe on."""

    kind = "video"

    def __init__(self, feed: ProgramFeed) -> None:
        super().__init__()
        self._feed = feed
        self._queue: asyncio.Queue[av.Packet] = asyncio.Queue(VIEWER_QUEUE)
        self._started = False

    def offer(self, packet: av.Packet) -> None:
        if not self._started:
            if not packet.is_keyframe:
                return
            self._started = True
        try:
            self._queue.put_nowait(packet)
        except asyncio.QueueFull:
            # Behind: drop what is queued and start again at the next keyframe.
            while not self._queue.empty():
                self._queue.get_nowait()
            self._started = False
            self._feed.request_keyframe()

    async def recv(self) -> av.Packet:
        if self.readyState != "live":
            raise MediaStreamError
        return await self._queue.get()

    def stop(self) -> None:
        super().stop()
        self._feed._forget(self)


def _encoder(
    width: int, height: int, fps: int, bitrate: int
) -> av.video.codeccontext.VideoCodecContext:
    codec = av.CodecContext.create("libx264", "w")
    codec.width, codec.height = width, height
    codec.pix_fmt = "yuv420p"
    codec.framerate = fractions.Fraction(fps, 1)
    codec.time_base = fractions.Fraction(1, VIDEO_CLOCK)
    codec.bit_rate = bitrate
    codec.options = {
        "profile": "baseline",
        "level": "31",
        "tune": "zerolatency",
        "preset": "ultrafast",
        # Keyframes come when the feed asks (every 2 s, and on request), not on x264's schedule.
        "g": str(fps * 60),
        "forced-idr": "1",
    }
    return codec
