"""Backstage thumbnails: a source's latest frame as a small JPEG the console can show as is."""

from __future__ import annotations

import base64
import fractions
from typing import Any

import av
from av.video.reformatter import VideoReformatter

PREVIEW_WIDTH, PREVIEW_HEIGHT = 160, 90


class Thumbnailer:
    """One MJPEG encoder (every JPEG stands alone), reused for every thumbnail of a stage.

    It scales with a reformatter of its own: `frame.reformat()` would use the one PyAV keeps
    on the frame, which the program's encoder thread may be using on the same source frame at
    that very moment (server/stage/program.py), and two threads in one swscale context can
    hang the event loop for good."""

    def __init__(self) -> None:
        self._scaler = VideoReformatter()
        self._codec = av.CodecContext.create("mjpeg", "w")
        self._codec.width, self._codec.height = PREVIEW_WIDTH, PREVIEW_HEIGHT
        self._codec.pix_fmt = "yuvj420p"
        self._codec.time_base = fractions.Fraction(1, 1)
        self._codec.options = {"qmin": "2", "qmax": "12"}
        self._count = 0

    def data_url(self, frame: Any) -> str:
        """`data:image/jpeg;base64,…` of the frame, scaled to 160×90."""
        small = self._scaler.reformat(frame, PREVIEW_WIDTH, PREVIEW_HEIGHT, format="yuvj420p")
        small.pts, small.time_base = self._count, self._codec.time_base
        self._count += 1
        jpeg = b"".join(bytes(p) for p in self._codec.encode(small))
        return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()
