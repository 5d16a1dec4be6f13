"""The program's encoder and the backstage thumbnails scale the same source frame at once
without waiting on each other.

The encoder runs on its own thread and the thumbnails on the event loop, both from the
on-air source's latest frame. Scaled with `frame.reformat()`, both would use the one swscale
context PyAV keeps on that frame, and one of them hangs for good (seen as a stage page whose
server stopped answering); each keeps a reformatter of its own instead."""

from __future__ import annotations

import threading
import time

import av

from server.stage.previews import Thumbnailer
from server.stage.program import ProgramFeed

SECONDS = 2.0


def test_the_encoder_and_the_thumbnails_scale_one_frame_on_two_threads() -> None:
    source = av.VideoFrame(1280, 720, "yuv420p")
    feed = ProgramFeed(lambda: source, fps=30)
    thumbnails = Thumbnailer()
    done = {"encoded": 0, "thumbnails": 0}
    until = time.monotonic() + SECONDS

    def encode() -> None:
        while time.monotonic() < until:
            feed._tick()
            done["encoded"] += 1

    def preview() -> None:
        while time.monotonic() < until:
            assert thumbnails.data_url(source).startswith("data:image/jpeg;base64,")
            done["thumbnails"] += 1

    threads = [threading.Thread(target=work, daemon=True) for work in (encode, preview)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(SECONDS + 10)
    assert not any(thread.is_alive() for thread in threads), f"a thread hung: {done}"
    assert done["encoded"] > 5 and done["thumbnails"] > 5, done
