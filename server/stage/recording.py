"""The program's recording (MP4) and HLS playlist, written from the program feed itself.

Video: the feed's own H.264 packets are muxed as they are (no second video encode), from the
first keyframe on. Audio: the program mix, encoded to AAC for each container (the format every
player of MP4 and HLS has). Both start at the recording's first keyframe, so picture and sound
stay together. A write error (a full disk) stops this recorder and is logged; the program feed
and its viewers carry on.
"""

from __future__ import annotations

import fractions
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av

from server.stage.audio import SAMPLE_RATE

log = logging.getLogger("pavilion.stage.recording")

VIDEO_TIME_BASE = fractions.Fraction(1, 90_000)
AUDIO_TIME_BASE = fractions.Fraction(1, SAMPLE_RATE)
HLS_SEGMENT_SECONDS = 2
HLS_LIST_SIZE = 6  # segments in the live playlist (older ones are deleted)
HLS_FILE = re.compile(r"^[A-Za-z0-9_-]{1,64}\.(m3u8|ts)$")


@dataclass
class _Output:
    container: Any  # av.container.OutputContainer
    video: Any
    audio: Any


class Recorder:
    """Write the program to an MP4 file and/or a live HLS playlist (`index.m3u8`)."""

    def __init__(
        self, *, mp4: Path | None, hls: Path | None, width: int, height: int, stamp: str
    ) -> None:
        self.mp4, self.hls = mp4, hls
        self._outputs: list[_Output] = []
        self._video_start: int | None = None  # the first keyframe's pts (90 kHz)
        self.failed = False
        try:
            if mp4 is not None:
                mp4.parent.mkdir(parents=True, exist_ok=True)
                self._add(av.open(str(mp4), "w", format="mp4"), width, height)
            if hls is not None:
                hls.mkdir(parents=True, exist_ok=True)
                for old in hls.iterdir():  # a previous run's playlist and segments
                    if HLS_FILE.match(old.name):
                        old.unlink()
                options = {
                    "hls_time": str(HLS_SEGMENT_SECONDS),
                    "hls_list_size": str(HLS_LIST_SIZE),
                    "hls_flags": "delete_segments+independent_segments+temp_file",
                    "hls_segment_filename": str(hls / f"{stamp}-%05d.ts"),
                }
                container = av.open(str(hls / "index.m3u8"), "w", format="hls", options=options)
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

    def audio(self, frame: av.AudioFrame) -> None:
        """The program mix's next 20 ms (ignored until the video has started)."""
        if self.failed or self._video_start is None or frame.pts is None:
            return
        pts = frame.pts - self._video_start * SAMPLE_RATE // 90_000
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
        """Finish the files: the MP4's index, the playlist's end. A recording that never
        started (nothing went on air) leaves no file."""
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
        if not self.started and self.mp4 is not None:
            self.mp4.unlink(missing_ok=True)
