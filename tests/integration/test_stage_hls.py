"""The recording and the live HLS playlist, read by ffprobe and PyAV as a player would: picture
and sound together (a speaker's camera flashes white and their microphone ticks at the same
instants), the MP4's index before its media (it streams), a playlist that dates its segments,
and segments that stay available for a while after leaving it (RFC 8216, section 6.2.2).
Real aiortc peers over loopback, as in test_stage_media.py."""

from __future__ import annotations

import asyncio
import fractions
import itertools
import re
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import pytest
from aiortc import MediaStreamTrack, RTCPeerConnection
from fastapi import FastAPI

from server.clock import FakeClock
from server.settings import Settings
from server.stage.audio import AudioInput
from server.stage.ingest import Stage
from server.stage.program import ProgramFeed
from server.stage.recording import Recorder
from tests.conftest import need
from tests.integration.test_stage_ingest import ATTENDEE, MODERATOR, session_id  # noqa: F401
from tests.integration.test_stage_program import _negotiate, _until, stage_app  # noqa: F401

RATE = 48_000
FPS = 30
FLASH_SECONDS = 0.1  # the camera shows white for three frames each second
TICK_SECONDS = 0.05  # and the microphone hears a 1 kHz tick from the same instant
TOLERANCE = 0.040  # picture and sound apart by at most this (live WebRTC is within 30 ms)


class Markers:
    """The shared instant both tracks count from: a flash and a tick every whole second."""

    def __init__(self) -> None:
        self.start: float | None = None

    async def at(self, offset: float) -> None:
        """Wait until `offset` seconds after the first frame of either track."""
        if self.start is None:
            self.start = time.monotonic()
        wait = self.start + offset - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)


class FlashTrack(MediaStreamTrack):
    """A camera filming black, and white for a tenth of a second on every whole second."""

    kind = "video"

    def __init__(self, markers: Markers) -> None:
        super().__init__()
        self._markers = markers
        self._count = 0

    async def recv(self) -> av.VideoFrame:
        count, self._count = self._count, self._count + 1
        await self._markers.at(count / FPS)
        white = (count % FPS) < FLASH_SECONDS * FPS
        frame = av.VideoFrame(320, 240, "yuv420p")
        for plane, value in zip(frame.planes, (235 if white else 16, 128, 128), strict=True):
            plane.update(bytes([value]) * plane.buffer_size)
        frame.pts, frame.time_base = count * 3000, fractions.Fraction(1, 90_000)
        return frame


class TickTrack(MediaStreamTrack):
    """A microphone hearing silence, and a 1 kHz tick on every whole second."""

    kind = "audio"

    def __init__(self, markers: Markers) -> None:
        super().__init__()
        self._markers = markers
        self._sent = 0

    async def recv(self) -> av.AudioFrame:
        await self._markers.at(self._sent / RATE)
        n = np.arange(960) + self._sent
        ticking = (n % RATE) < TICK_SECONDS * RATE
        tone = np.sin(2 * np.pi * 1000 * n / RATE) * 12_000 * ticking
        frame = av.AudioFrame.from_ndarray(
            tone.astype(np.int16).reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate, frame.pts = RATE, self._sent
        frame.time_base = fractions.Fraction(1, RATE)
        self._sent += 960
        return frame


def offsets(path: Path) -> list[float]:
    """For each flash in a file, how much later (seconds) its tick is heard than seen."""
    flashes: list[float] = []
    sound: list[np.ndarray] = []
    first_sample: float | None = None
    with av.open(str(path), "r") as container:
        white = False
        for frame in container.decode(video=0, audio=0):
            if isinstance(frame, av.VideoFrame) and frame.time is not None:
                luma = np.frombuffer(bytes(frame.planes[0]), dtype=np.uint8)
                now_white = float(luma.mean()) > 128
                if now_white and not white:
                    flashes.append(frame.time)
                white = now_white
            elif isinstance(frame, av.AudioFrame) and frame.time is not None:
                if first_sample is None:
                    first_sample = frame.time
                sound.append(frame.to_ndarray()[0])
        rate = container.streams.audio[0].sample_rate
    assert first_sample is not None and flashes, path
    samples = np.abs(np.concatenate(sound))
    loud = samples > 0.3 * samples.max()
    onsets = [
        first_sample + i / rate
        for i in np.flatnonzero(loud)
        if not loud[max(0, i - int(0.3 * rate)) : i].any()
    ]
    found: list[float] = []
    for flash in flashes:
        near = [onset - flash for onset in onsets if abs(onset - flash) < 0.45]
        if near:
            found.append(float(min(near, key=abs)))
    return found


def top_level_boxes(path: Path) -> list[str]:
    """The MP4's top-level box types in file order (ISO/IEC 14496-12: size, type, ...)."""
    boxes = []
    with path.open("rb") as mp4:
        while header := mp4.read(8):
            size, kind = int.from_bytes(header[:4], "big"), header[4:8].decode("latin-1")
            if size == 1:
                size = int.from_bytes(mp4.read(8), "big") - 8
            boxes.append(kind)
            if size == 0:
                break
            mp4.seek(size - 8, 1)
    return boxes


def _twenty_ms(value: int) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(
        np.full((1, 960), value, dtype=np.int16), format="s16", layout="mono"
    )
    frame.sample_rate = RATE
    return frame


def _held(audio: AudioInput) -> int:
    """How many 20 ms frames the input still gives with nothing more coming in."""
    held = 0
    while audio.take() is not None:
        held += 1
    return held


def test_a_source_s_audio_keeps_no_more_delay_than_its_jitter_needs() -> None:
    # Audio that came before the mix started (a speaker waiting backstage for their take) is
    # not played late: the mix starts from the latest 40 ms.
    waiting = AudioInput()
    for value in range(10):  # 200 ms
        waiting.push(_twenty_ms(value))
    first = waiting.take()
    assert first is not None and first[0] == 8
    assert _held(waiting) == 1

    # A burst of packets (100 ms at once) adds no lasting delay: a second later it is gone.
    steady = AudioInput()
    steady.push(_twenty_ms(0))
    steady.push(_twenty_ms(0))
    for _ in range(5):
        steady.push(_twenty_ms(1))
    for _ in range(60):
        steady.push(_twenty_ms(2))
        assert steady.take() is not None
    assert _held(steady) <= 2


class Packets:
    """Where the program's encoded video goes instead of a recorder: kept, with keyframes."""

    def __init__(self) -> None:
        self.pts: list[int] = []
        self.keyframes = 0

    def video(self, packet: av.Packet) -> None:
        assert packet.pts is not None
        self.pts.append(packet.pts)
        self.keyframes += packet.is_keyframe

    def close(self) -> None:
        pass


async def test_a_program_short_of_cpu_skips_frames_and_stays_on_its_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    feed = ProgramFeed(lambda: None, width=160, height=90)
    encode = feed._encode

    def starved(*args: Any) -> list[av.Packet]:
        time.sleep(1 / 15)  # each frame takes twice its share of time
        return encode(*args)

    monkeypatch.setattr(feed, "_encode", starved)
    packets = Packets()
    feed.recorder = packets  # type: ignore[assignment]
    started = time.monotonic()
    feed.start()
    await asyncio.sleep(2.5)
    await feed.stop()
    elapsed = time.monotonic() - started
    # Its timestamps follow the clock (the program audio's), not the frames it managed.
    assert len(packets.pts) < 0.7 * elapsed * FPS
    assert packets.pts[-1] / 90_000 == pytest.approx(elapsed, abs=0.25)
    assert packets.keyframes >= 2  # the regular keyframe every 2 s still comes


@pytest.fixture
async def peers() -> AsyncIterator[list[RTCPeerConnection]]:
    made: list[RTCPeerConnection] = []
    yield made
    for pc in made:
        await pc.close()


async def _publish(
    http: httpx.AsyncClient, app: FastAPI, session: int, peers: list[RTCPeerConnection]
) -> Recorder:
    """A speaker with the flashing camera and the ticking microphone, on air and recorded."""
    markers = Markers()
    pc = RTCPeerConnection()
    peers.append(pc)
    pc.addTransceiver(FlashTrack(markers), direction="sendonly")
    pc.addTransceiver(TickTrack(markers), direction="sendonly")
    source = await _negotiate(http, f"/api/v1/stage/{session}/whip", MODERATOR, pc)
    stage: Stage = app.state.stage
    await asyncio.wait_for(_until(lambda: all(s.frames for s in stage.sources(session))), 20)
    taken = await http.post(
        f"/api/v1/stage/{session}/take", json={"source": source}, headers=MODERATOR
    )
    assert taken.status_code == 200, taken.text
    recorder = stage.recorder(session)
    assert recorder is not None
    return recorder


async def _finish(recorder: Recorder, peers: list[RTCPeerConnection]) -> None:
    """The speaker leaves: the feed stops and the files are finished."""
    for pc in peers:
        await pc.close()
    await asyncio.wait_for(_until(lambda: getattr(recorder, "finished", False)), 60)


async def test_the_recording_and_hls_keep_picture_and_sound_together(
    stage_app: tuple[FastAPI, httpx.AsyncClient],  # noqa: F811
    session_id: int,  # noqa: F811
    peers: list[RTCPeerConnection],
    settings: Settings,
) -> None:
    app, http = stage_app
    recorder = await _publish(http, app, session_id, peers)
    await asyncio.sleep(9)
    await _finish(recorder, peers)

    (mp4,) = (settings.stage_media / "recordings" / str(session_id)).glob("*.mp4")
    hls = settings.stage_media / "hls" / str(session_id)
    in_mp4 = offsets(mp4)
    in_hls = [o for name in sorted(hls.glob("*.ts")) for o in offsets(name)]
    print(f"tick after flash (s): mp4 {np.round(in_mp4, 3)}, hls {np.round(in_hls, 3)}")
    assert len(in_mp4) >= 6 and len(in_hls) >= 6, (in_mp4, in_hls)
    # The median: a single flash can land a program frame (33 ms) late, a tick a mix frame.
    assert abs(float(np.median(in_mp4))) <= TOLERANCE, in_mp4
    assert abs(float(np.median(in_hls))) <= TOLERANCE, in_hls


def ffprobe_top_level_atoms(path: Path) -> list[str]:
    """The MP4's top-level atoms in file order, as ffprobe's trace reads them."""
    if shutil.which("ffprobe") is None:
        need("ffprobe (Debian package ffmpeg; .ci/run installs it)")
    trace = subprocess.run(
        ["ffprobe", "-v", "trace", "-hide_banner", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stderr
    return re.findall(r"type:'(\w{4})' parent:'root'", trace)


def _playlist(text: str) -> tuple[int, list[tuple[str | None, float, str]]]:
    """A media playlist's sequence number and its segments: (program date, seconds, name)."""
    sequence, segments, date, seconds = 0, [], None, None
    for line in text.splitlines():
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            sequence = int(line.split(":", 1)[1])
        elif line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            date = line.split(":", 1)[1]
        elif line.startswith("#EXTINF:"):
            seconds = float(line.removeprefix("#EXTINF:").split(",", 1)[0])
        elif line and not line.startswith("#"):
            assert seconds is not None, text
            segments.append((date, seconds, line))
            date, seconds = None, None
    return sequence, segments


async def test_the_playlist_dates_its_segments_keeps_removed_ones_a_while_and_the_mp4_streams(
    stage_app: tuple[FastAPI, httpx.AsyncClient],  # noqa: F811
    session_id: int,  # noqa: F811
    peers: list[RTCPeerConnection],
    settings: Settings,
    clock: FakeClock,
) -> None:
    app, http = stage_app
    on_air = clock.now()  # the clock stands still until this test moves it
    recorder = await _publish(http, app, session_id, peers)

    async def playlist() -> tuple[int, list[tuple[str | None, float, str]]]:
        answer = await http.get(f"/hls/{session_id}/", headers=ATTENDEE)
        assert answer.status_code == 200, answer.text
        return _playlist(answer.text)

    async def segment(name: str) -> int:
        return (await http.get(f"/hls/{session_id}/{name}", headers=ATTENDEE)).status_code

    # Live: every segment dated, from the instant the program went on air (the injected
    # clock's, in UTC with milliseconds), each one its predecessors' durations later.
    served = settings.stage_media / "hls" / str(session_id) / "index.m3u8"
    await asyncio.wait_for(_until(served.exists), 20)  # once the first segment is complete
    first: tuple[str | None, float, str] | None = None
    longest = 0.0  # the longest playlist that listed the first segment

    async def until_the_first_segment_leaves() -> None:
        nonlocal first, longest
        while True:
            sequence, segments = await playlist()
            if segments and first is None:
                first = segments[0]
                assert sequence == 0
            if first is not None and first[2] not in [name for _, _, name in segments]:
                return
            if first is not None:
                longest = max(longest, sum(seconds for _, seconds, _ in segments))
                assert all(date is not None for date, _, _ in segments), segments
                for (date, seconds, _), (after, _, _) in itertools.pairwise(segments):
                    assert date is not None and after is not None
                    assert _instant(after) - _instant(date) == pytest.approx(seconds, abs=0.002)
            await asyncio.sleep(0.2)

    await asyncio.wait_for(until_the_first_segment_leaves(), 90)
    assert first is not None and first[0] == _date(on_air), first
    _, duration, name = first

    # Left the playlist: still there for its own duration plus the playlist's (RFC 8216,
    # 6.2.2), on the injected clock; gone after.
    kept = duration + longest
    assert kept > 10, (duration, longest)
    assert await segment(name) == 200

    async def a_new_segment() -> None:
        """Wait until the playlist moves on (the recorder has looked at its clock since)."""
        sequence, _ = await playlist()
        while True:
            await asyncio.sleep(0.2)
            if (await playlist())[0] != sequence:
                return

    clock.advance(timedelta(seconds=kept - 0.5))
    await asyncio.wait_for(a_new_segment(), 20)
    assert await segment(name) == 200
    clock.advance(timedelta(seconds=1.5))
    await asyncio.wait_for(a_new_segment(), 20)
    assert await segment(name) == 404

    await _finish(recorder, peers)
    _, segments = _playlist(served.read_text())
    assert segments and all(date is not None for date, _, _ in segments)

    # The MP4 starts with its index (ftyp, moov, then mdat): it plays while it downloads.
    (mp4,) = (settings.stage_media / "recordings" / str(session_id)).glob("*.mp4")
    atoms = ffprobe_top_level_atoms(mp4)
    assert "moov" in atoms and "mdat" in atoms, atoms
    assert atoms.index("moov") < atoms.index("mdat"), atoms
    assert top_level_boxes(mp4) == atoms


def _date(instant: datetime) -> str:
    return (
        instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{instant.microsecond // 1000:03d}Z"
    )


def _instant(date: str) -> float:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", date), date
    return datetime.fromisoformat(date.replace("Z", "+00:00")).timestamp()
