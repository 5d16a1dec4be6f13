"""Program audio, late viewers, the backstage's levels and thumbnails, and the recording: real
aiortc peers over loopback. Speakers film a colour and sing a tone, so what a viewer (or a
file) holds can be told apart by its content."""

from __future__ import annotations

import asyncio
import base64
import fractions
import io
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import pytest
from aiortc import MediaStreamTrack, RTCPeerConnection
from fastapi import FastAPI

from server.realtime.bus import Bus
from server.settings import Settings
from server.stage.ingest import Stage
from tests.integration.test_stage_ingest import ATTENDEE, MODERATOR, session_id  # noqa: F401
from tests.integration.test_stage_program import (  # noqa: F401
    BLUE,
    RED,
    ColourTrack,
    _negotiate,
    _until,
    colour,
    stage_app,
)

GREEN = (145, 54, 34)  # Y, U, V
RATE = 48_000


class ToneTrack(MediaStreamTrack):
    """A microphone hearing one pure tone, in real time."""

    kind = "audio"

    def __init__(self, hz: float) -> None:
        super().__init__()
        self.hz = hz
        self._sent = 0
        self._started: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self._started is None:
            self._started = time.monotonic()
        wait = self._started + self._sent / RATE - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        t = (np.arange(960) + self._sent) / RATE
        samples = (np.sin(2 * np.pi * self.hz * t) * 8000).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts = RATE, self._sent
        frame.time_base = fractions.Fraction(1, RATE)
        self._sent += 960
        return frame


def strength(samples: np.ndarray, hz: float) -> float:
    """How loud one frequency is in a stretch of audio (its spectrum's peak near `hz`)."""
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64) * np.hanning(samples.size)))
    bins = np.fft.rfftfreq(samples.size, 1 / RATE)
    return float(spectrum[(bins > hz - 15) & (bins < hz + 15)].max())


async def _speaker(
    http: httpx.AsyncClient, session: int, yuv: tuple[int, int, int], hz: float
) -> tuple[RTCPeerConnection, str]:
    pc = RTCPeerConnection()
    pc.addTransceiver(ColourTrack(yuv), direction="sendonly")
    pc.addTransceiver(ToneTrack(hz), direction="sendonly")
    return pc, await _negotiate(http, f"/api/v1/stage/{session}/whip", MODERATOR, pc)


class Watcher:
    """A WHEP viewer that keeps what it receives: decoded video frames and the left channel."""

    def __init__(self) -> None:
        self.pc = RTCPeerConnection()
        self.pc.addTransceiver("video", direction="recvonly")
        self.pc.addTransceiver("audio", direction="recvonly")
        self.frames: list[tuple[float, str]] = []  # (arrival, colour)
        self.audio: list[np.ndarray] = []
        self.connected: float | None = None
        self._readers: list[asyncio.Task[None]] = []
        self.pc.on("track", self._read)
        self.pc.on("connectionstatechange", self._changed)

    def _changed(self) -> None:
        if self.pc.connectionState == "connected" and self.connected is None:
            self.connected = time.monotonic()

    def _read(self, track: MediaStreamTrack) -> None:
        async def read() -> None:
            while True:
                frame = await track.recv()
                if track.kind == "video":
                    self.frames.append((time.monotonic(), colour(frame)))
                elif isinstance(frame, av.AudioFrame):
                    self.audio.append(frame.to_ndarray()[0, ::2])  # packed stereo: left

        self._readers.append(asyncio.create_task(read()))

    async def watch(self, http: httpx.AsyncClient, session: int) -> None:
        await _negotiate(http, f"/api/v1/stage/{session}/whep", ATTENDEE, self.pc)

    async def listen(self, seconds: float) -> np.ndarray:
        """The next `seconds` of program audio."""
        start = len(self.audio)
        await asyncio.wait_for(_until(lambda: len(self.audio) - start >= seconds * 50), 20)
        return np.concatenate(self.audio[start:])

    async def close(self) -> None:
        for reader in self._readers:
            reader.cancel()
        await self.pc.close()


@pytest.fixture
async def peers() -> AsyncIterator[list[RTCPeerConnection]]:
    made: list[RTCPeerConnection] = []
    yield made
    for pc in made:
        await pc.close()


async def test_the_program_audio_mixes_the_stage_and_leaves_out_the_muted_and_backstage(
    stage_app: tuple[FastAPI, httpx.AsyncClient],  # noqa: F811
    session_id: int,  # noqa: F811
    peers: list[RTCPeerConnection],
) -> None:
    app, http = stage_app
    base = f"/api/v1/stage/{session_id}"
    tones = {"red": 440.0, "blue": 1000.0, "green": 2500.0}
    sources = {}
    for name, yuv in (("red", RED), ("blue", BLUE), ("green", GREEN)):
        pc, sources[name] = await _speaker(http, session_id, yuv, tones[name])
        peers.append(pc)
    await http.post(f"{base}/take", json={"source": sources["red"]}, headers=MODERATOR)

    async def change(name: str, **change: Any) -> None:
        answer = await http.patch(f"{base}/sources/{sources[name]}", json=change, headers=MODERATOR)
        assert answer.status_code == 200, answer.text

    await change("blue", state="stage")
    await change("green", state="stage", muted=True)
    watcher = Watcher()

    async def until_heard(check: Callable[[dict[str, float]], bool]) -> dict[str, float]:
        """Listen half a second at a time until the mix holds what `check` wants (the path
        from a change to the ear has latency, longer on a busy machine)."""
        while True:
            mix = await watcher.listen(0.5)
            heard = {name: strength(mix, hz) for name, hz in tones.items()}
            if check(heard):
                return heard

    try:
        await watcher.watch(http, session_id)
        # On air and on stage are heard; on stage but muted is not (a tenth or less).
        heard = await asyncio.wait_for(
            until_heard(lambda h: min(h["red"], h["blue"]) > 10 * h["green"]), 20
        )
        assert 0.5 < heard["red"] / heard["blue"] < 2, heard  # about equally
        await change("green", muted=False)
        await asyncio.wait_for(until_heard(lambda h: h["green"] > heard["red"] / 3), 20)
        await change("blue", state="backstage")
        await asyncio.wait_for(until_heard(lambda h: h["red"] > 10 * h["blue"]), 20)
    finally:
        await watcher.close()

    # The moderators' room got levels for every source and a thumbnail of each.
    bus: Bus = app.state.bus

    async def staff_room() -> tuple[list[dict[str, float]], dict[str, str]]:
        """Levels so far, and the latest thumbnail of each source, once all have one."""
        while True:
            events = await bus.history(f"session:{session_id}:staff") or []
            levels = [e.data["levels"] for e in events if e.type == "stage.levels"]
            previews = {
                e.data["source"]: e.data["image"] for e in events if e.type == "stage.preview"
            }
            if set(previews) == set(sources.values()):
                return levels, previews
            await asyncio.sleep(0.1)

    levels, previews = await asyncio.wait_for(staff_room(), 10)
    assert any(all(row.get(s, 0) > 0.5 for s in sources.values()) for row in levels)
    prefix = "data:image/jpeg;base64,"
    assert previews[sources["red"]].startswith(prefix)
    jpeg = base64.b64decode(previews[sources["red"]].removeprefix(prefix))
    with av.open(io.BytesIO(jpeg), "r") as image:
        thumbnail = next(image.decode(video=0))
    assert (thumbnail.width, thumbnail.height, colour(thumbnail)) == (160, 90, "red")


async def test_a_late_viewer_sees_a_picture_within_a_second(
    stage_app: tuple[FastAPI, httpx.AsyncClient],  # noqa: F811
    session_id: int,  # noqa: F811
    peers: list[RTCPeerConnection],
) -> None:
    app, http = stage_app
    pc, red = await _speaker(http, session_id, RED, 440)
    peers.append(pc)
    await http.post(f"/api/v1/stage/{session_id}/take", json={"source": red}, headers=MODERATOR)
    first, late = Watcher(), Watcher()
    try:
        await first.watch(http, session_id)
        await asyncio.wait_for(_until(lambda: first.frames), 20)
        await asyncio.sleep(1.2)  # past the first viewer's forced keyframe
        stage: Stage = app.state.stage
        feed = stage.feed(session_id)
        keyframes = feed.keyframes  # the late viewer joins just after a regular keyframe,
        await asyncio.wait_for(_until(lambda: feed.keyframes > keyframes), 5)  # 2 s before
        forced = feed.forced  # the next: only a forced one shows it a picture within a second
        asked = time.monotonic()
        await late.watch(http, session_id)
        await asyncio.wait_for(_until(lambda: late.frames), 20)
    finally:
        await first.close()
        await late.close()
    arrived, seen = late.frames[0]
    assert late.connected is not None
    # Its first decoded frame is a whole picture of the program (decodable: it starts at a
    # keyframe, forced for it), within a second of its connection being up.
    assert seen == "red"
    assert feed.forced > forced
    print(
        f"late viewer: first picture {arrived - asked:.3f} s after asking, "
        f"{arrived - late.connected:.3f} s after connecting"
    )
    assert arrived - late.connected < 1.0


async def test_the_program_is_recorded_to_mp4_and_hls_that_decode(
    stage_app: tuple[FastAPI, httpx.AsyncClient],  # noqa: F811
    session_id: int,  # noqa: F811
    peers: list[RTCPeerConnection],
    settings: Settings,
) -> None:
    app, http = stage_app
    base = f"/api/v1/stage/{session_id}"
    red_pc, red = await _speaker(http, session_id, RED, 440)
    blue_pc, blue = await _speaker(http, session_id, BLUE, 1000)
    peers.extend([red_pc, blue_pc])
    stage: Stage = app.state.stage
    await asyncio.wait_for(_until(lambda: all(s.frames for s in stage.sources(session_id))), 20)
    await http.post(f"{base}/take", json={"source": red}, headers=MODERATOR)
    await asyncio.sleep(2.5)
    await http.post(f"{base}/take", json={"source": blue}, headers=MODERATOR)
    await asyncio.sleep(2.5)

    # Live HLS, served to those who may attend: a playlist of segments.
    playlist = await http.get(f"/hls/{session_id}/", headers=ATTENDEE)
    anonymous = await http.get(f"/hls/{session_id}/index.m3u8")
    sneaky = await http.get(f"/hls/{session_id}/..%2Fsecret.ts", headers=ATTENDEE)
    assert playlist.status_code == 200, playlist.text
    assert playlist.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert (anonymous.status_code, sneaky.status_code) == (401, 404)
    segments = [line for line in playlist.text.splitlines() if line.endswith(".ts")]
    assert segments
    first = await http.get(f"/hls/{session_id}/{segments[0]}", headers=ATTENDEE)
    assert first.headers["content-type"] == "video/mp2t"
    with av.open(io.BytesIO(first.content), "r") as segment:
        assert colour(next(segment.decode(video=0))) == "red"

    recorder = stage.recorder(session_id)
    assert recorder is not None
    for pc in (red_pc, blue_pc):  # the speakers leave: the feed stops, the files are finished
        await pc.close()
    await asyncio.wait_for(_until(lambda: not stage._feeds and recorder.finished), 20)

    (mp4,) = (settings.stage_media / "recordings" / str(session_id)).glob("*.mp4")
    colours, audio_seconds, video_seconds = _decode(mp4)
    assert colours[0] == "red" and colours[-1] == "blue"
    assert colours.count("other") == 0
    assert video_seconds > 4, video_seconds
    assert abs(audio_seconds - video_seconds) < 0.5, (audio_seconds, video_seconds)

    hls = settings.stage_media / "hls" / str(session_id)
    listed = [n for n in (hls / "index.m3u8").read_text().splitlines() if n.endswith(".ts")]
    assert "#EXT-X-ENDLIST" in (hls / "index.m3u8").read_text()
    decoded = [_decode(hls / name) for name in listed]
    assert sum(len(c) for c, _, _ in decoded) > 100
    assert {c for colours, _, _ in decoded for c in colours} == {"red", "blue"}


def _decode(path: Path) -> tuple[list[str], float, float]:
    """Every video frame's colour (in order), and the seconds of audio and of video (from the
    first frame's timestamp to the last one's end: a busy program skips frames)."""
    colours: list[str] = []
    times: list[float] = []
    audio_seconds = 0.0
    with av.open(str(path), "r") as container:
        video = container.streams.video[0]
        for frame in container.decode(video=0, audio=0):
            if isinstance(frame, av.VideoFrame):
                colours.append(colour(frame))
                if frame.time is not None:
                    times.append(frame.time)
            elif isinstance(frame, av.AudioFrame):
                # Each frame's own rate: a short last segment may not tell its stream's.
                audio_seconds += frame.samples / frame.sample_rate
        rate = float(video.average_rate or 30)
    return colours, audio_seconds, max(times) - min(times) + 1 / rate
