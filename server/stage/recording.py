"""The program's recording (MP4) and HLS playlist, written from the program feed itself.

Video: the feed's own H.264 packets are muxed as they are (no second video encode), from the
first keyframe on. Audio: the program mix, encoded to AAC for each container (the format every
player of MP4 and HLS has). Both are stamped on the program's media clock from the recording's
first keyframe, the audio `AUDIO_LEAD_SECONDS` earlier than it was mixed: that is how much later
a speaker's sound reaches the mix than their picture reaches the program, so that in the files
a flash and a click filmed together come within a few milliseconds (the test measures it).

The MP4 is written fast-start (its index, `moov`, before the media, `mdat`), so a player can
start it before it has the whole file; finishing it rewrites the file once (`close`, which the
feed runs off the event loop).

HLS: FFmpeg's muxer cuts the segments and keeps its own playlist (`.muxer.m3u8`, never served);
the served `index.m3u8` is that list with each segment's `EXT-X-PROGRAM-DATE-TIME` (the injected
clock's instant of the recording's first keyframe plus the media time before the segment). A
segment that leaves the playlist stays on disk for its own duration plus the longest playlist
that listed it, as RFC 8216 section 6.2.2 asks (players still holding that playlist may fetch
it), and is deleted after that; a new run of the session's program clears the folder.

A write error (a full disk) stops this recorder and is logged; the program feed and its viewers
carry on.
"""

from __future__ import annotations

import fractions
import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import av

from server.clock import Clock, SystemClock
from server.stage.audio import SAMPLE_RATE

log = logging.getLogger("pavilion.stage.recording")

VIDEO_TIME_BASE = fractions.Fraction(1, 90_000)
AUDIO_TIME_BASE = fractions.Fraction(1, SAMPLE_RATE)
HLS_SEGMENT_SECONDS = 2
HLS_LIST_SIZE = 6  # segments in the live playlist (older ones are deleted a while later)
HLS_FILE = re.compile(r"^[A-Za-z0-9_-]{1,64}\.(m3u8|ts)$")
HLS_PLAYLIST = "index.m3u8"
HLS_MUXER_PLAYLIST = ".muxer.m3u8"  # FFmpeg's own list (a name HLS_FILE never serves)
OUR_HIDDEN_FILES = (HLS_MUXER_PLAYLIST, f".{HLS_PLAYLIST}")  # and their temporary files
# Measured over loopback with aiortc (pinned): a sound reaches the mix about 60 ms after the
# picture filmed with it reaches the program. aiortc's audio jitter buffer releases a packet once
# four more have come (80 ms) where its video one waits for the next frame (33 ms at 30 fps), and
# the mix keeps a 20 ms frame in hand (server/stage/audio.py).
AUDIO_LEAD_SECONDS = 0.060
AUDIO_LEAD_SAMPLES = round(AUDIO_LEAD_SECONDS * SAMPLE_RATE)


@dataclass
class _Output:
    container: Any  # av.container.OutputContainer
    video: Any
    audio: Any


class Recorder:
    """Write the program to an MP4 file and/or a live HLS playlist (`index.m3u8`)."""

    def __init__(
        self,
        *,
        mp4: Path | None,
        hls: Path | None,
        width: int,
        height: int,
        stamp: str,
        clock: Clock | None = None,
    ) -> None:
        self.mp4, self.hls = mp4, hls
        self._clock = clock or SystemClock()
        self._outputs: list[_Output] = []
        self._video_start: int | None = None  # the first keyframe's pts (90 kHz)
        self._playlist = _Playlist(hls, self._clock) if hls is not None else None
        self.failed = False
        self.finished = False  # closed: the files are complete
        try:
            if mp4 is not None:
                mp4.parent.mkdir(parents=True, exist_ok=True)
                container = av.open(str(mp4), "w", format="mp4", options={"movflags": "+faststart"})
                self._add(container, width, height)
            if hls is not None:
                hls.mkdir(parents=True, exist_ok=True)
                for old in hls.iterdir():  # a previous run's playlists and segments
                    if HLS_FILE.match(old.name) or old.name.startswith(OUR_HIDDEN_FILES):
                        old.unlink()
                options = {
                    "hls_time": str(HLS_SEGMENT_SECONDS),
                    "hls_list_size": str(HLS_LIST_SIZE),
                    "hls_flags": "independent_segments+temp_file",
                    "hls_segment_filename": str(hls / f"{stamp}-%05d.ts"),
                }
                container = av.open(
                    str(hls / HLS_MUXER_PLAYLIST), "w", format="hls", options=options
                )
                self._add(container, width, height)
        except (OSError, av.FFmpegError):
            log.exception("cannot start the stage recording", extra={"mp4": str(mp4)})
            self._fail()

    def _add(self, container: Any, width: int, height: int) -> None:
        video = container.add_mux_stream("h264", width=width, height=height)
        video.time_base = VIDEO_TIME_BASE
        audio = container.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
        self._outputs.append(_Output(container, video, audio))

    @property
    def started(self) -> bool:
        return self._video_start is not None

    def video(self, packet: av.Packet) -> None:
        """One of the feed's encoded packets (ignored until the first keyframe)."""
        if self.failed or (self._video_start is None and not packet.is_keyframe):
            return
        assert packet.pts is not None and packet.dts is not None
        if self._video_start is None:
            self._video_start = packet.pts
            if self._playlist is not None:
                self._playlist.started = self._clock.now()
        start = self._video_start
        for output in self._outputs:
            # A copy: muxing rescales timestamps in place, and viewers share the original.
            copy = av.Packet(bytes(packet))
            copy.pts = packet.pts - start
            copy.dts = packet.dts - start
            copy.time_base = VIDEO_TIME_BASE
            copy.is_keyframe = packet.is_keyframe
            copy.stream = output.video
            self._write(output, copy)
        if packet.is_keyframe and self._playlist is not None and not self.failed:
            self._refresh()  # FFmpeg cuts segments at keyframes

    def audio(self, frame: av.AudioFrame) -> None:
        """The program mix's next 20 ms (ignored until the video has started)."""
        if self.failed or self._video_start is None or frame.pts is None:
            return
        pts = frame.pts - self._video_start * SAMPLE_RATE // 90_000 - AUDIO_LEAD_SAMPLES
        if pts < 0:
            return
        samples = frame.to_ndarray()
        for output in self._outputs:
            copy = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
            copy.sample_rate = SAMPLE_RATE
            copy.pts = pts
            copy.time_base = AUDIO_TIME_BASE
            for packet in output.audio.encode(copy):
                self._write(output, packet)

    def _refresh(self) -> None:
        assert self._playlist is not None
        try:
            self._playlist.refresh()
        except OSError:
            log.exception("the live playlist failed; the recording stops here")
            self._fail()

    def _write(self, output: _Output, packet: av.Packet) -> None:
        if self.failed:
            return
        try:
            output.container.mux(packet)
        except (OSError, av.FFmpegError):
            log.exception("the stage recording failed; it stops here", extra={"mp4": str(self.mp4)})
            self._fail()

    def _fail(self) -> None:
        self.failed = True
        for output in self._outputs:
            try:
                output.container.close()
            except (OSError, av.FFmpegError):
                pass
        self._outputs = []

    def close(self) -> None:
        """Finish the files: the MP4's index (the whole file is rewritten to put it first:
        call this off the event loop), the playlist's end. A recording that never started
        (nothing went on air) leaves no file."""
        for output in self._outputs:
            try:
                if self.started:
                    for packet in output.audio.encode(None):
                        output.container.mux(packet)
                output.container.close()
            except (OSError, av.FFmpegError):
                if self.started:
                    log.exception("finishing the recording failed", extra={"mp4": str(self.mp4)})
        self._outputs = []
        if self._playlist is not None and self.started and not self.failed:
            try:
                self._playlist.refresh()  # with its end
            except OSError:
                log.exception("finishing the live playlist failed")
        if not self.started and self.mp4 is not None:
            self.mp4.unlink(missing_ok=True)
        self.finished = True


class _Playlist:
    """The served playlist, made from FFmpeg's: dated segments, and removed ones kept a while."""

    def __init__(self, folder: Path, clock: Clock) -> None:
        self.folder = folder
        self._clock = clock
        self.started: datetime | None = None  # the instant of the recording's first keyframe
        self._seen: tuple[int, int] | None = None  # FFmpeg's list's (mtime, size) last read
        self._starts: dict[str, float] = {}  # segment: media seconds before it
        self._next_start = 0.0
        self._listed: dict[str, float] = {}  # segment: its duration, in the served list
        self._longest: dict[str, float] = {}  # segment: the longest served list holding it
        self._leaving: list[tuple[datetime, str]] = []  # (deleted after, segment)

    def refresh(self) -> None:
        """Serve FFmpeg's latest list if it changed; delete removed segments that are due."""
        source = self.folder / HLS_MUXER_PLAYLIST
        try:
            stat = source.stat()
        except FileNotFoundError:
            return  # no segment finished yet
        if (stat.st_mtime_ns, stat.st_size) != self._seen:
            self._seen = (stat.st_mtime_ns, stat.st_size)
            self._serve(source.read_text())
        self._expire()

    def _serve(self, text: str) -> None:
        lines: list[str] = []
        listed: dict[str, float] = {}
        extinf = None  # a segment's #EXTINF line, written after its date
        for line in text.splitlines():
            if line.startswith("#EXTINF:"):
                extinf = line
            elif line and not line.startswith("#") and extinf is not None:
                duration = float(extinf.removeprefix("#EXTINF:").split(",", 1)[0])
                if line not in self._starts:
                    self._starts[line] = self._next_start
                    self._next_start += duration
                listed[line] = duration
                date = self._date(self._starts[line])
                lines += [f"#EXT-X-PROGRAM-DATE-TIME:{date}", extinf, line]
                extinf = None
            else:
                lines.append(line)
        total = sum(listed.values())
        for name in listed:
            self._longest[name] = max(self._longest.get(name, 0.0), total)
        now = self._clock.now()
        for name, seconds in self._listed.items():
            if name not in listed:
                kept = timedelta(seconds=seconds + self._longest.pop(name, total))
                self._leaving.append((now + kept, name))
        self._listed = listed
        temporary = self.folder / f".{HLS_PLAYLIST}.tmp"
        temporary.write_text("\n".join(lines) + "\n")
        os.replace(temporary, self.folder / HLS_PLAYLIST)

    def _date(self, seconds: float) -> str:
        assert self.started is not None
        instant = (self.started + timedelta(seconds=seconds)).astimezone(UTC)
        return instant.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def _expire(self) -> None:
        now = self._clock.now()
        due = [name for after, name in self._leaving if after <= now]
        self._leaving = [(after, name) for after, name in self._leaving if after > now]
        for name in due:
            (self.folder / name).unlink(missing_ok=True)
            self._starts.pop(name, None)
