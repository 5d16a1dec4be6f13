"""What the stage's program feed costs the event loop: its encode on the loop, against its encode
in the feed's own thread (what `ProgramFeed` does), side by side.

    .venv/bin/python bench/stage_loop.py [--seconds 5] [--size 1280x720]

A feed encodes a moving 1280x720 picture at 30 fps for a few seconds while a probe asks the
loop to wake it every 10 ms and notes how late it woke (server/looplag.py does the same in
the app). The loop lag is what every socket of the node waits on top of its own work.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import av
from stage_source import HEIGHT, WIDTH, moving_picture

from server.stage.program import ProgramFeed


def frames(width: int, height: int) -> list[av.VideoFrame]:
    found = []
    for y, u, v in moving_picture():
        frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
        for plane, data in zip(frame.planes, (y, u, v), strict=True):
            plane.update(data)
        found.append(frame.reformat(width, height))
    return found


async def probe(seconds: float, lags: list[float]) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        asked = time.perf_counter()
        await asyncio.sleep(0.01)
        lags.append(time.perf_counter() - asked - 0.01)


async def on_the_loop(feed: ProgramFeed, seconds: float) -> None:
    """The feed as it was: every tick's scaling and encoding on the loop."""
    started = time.perf_counter()
    end = started + seconds
    while time.perf_counter() < end:
        feed._tick()
        feed._count += 1
        await asyncio.sleep(max(0.0, started + feed._count / feed.fps - time.perf_counter()))


async def measure(way: str, seconds: float, width: int, height: int) -> list[float]:
    pictures = frames(width, height)
    n = [0]

    def latest() -> av.VideoFrame:
        n[0] += 1
        return pictures[n[0] % len(pictures)]

    feed = ProgramFeed(latest, width=width, height=height, fps=30)
    lags: list[float] = []
    if way == "loop":
        await asyncio.gather(on_the_loop(feed, seconds), probe(seconds, lags))
    else:
        feed.start()
        await probe(seconds, lags)
        await feed.stop()
    return lags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--size", default="1280x720")
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.split("x"))
    print(f"loop lag with a {width}x{height} program feed at 30 fps, {args.seconds:g} s each")
    print(f"  {'encode':12s} {'median':>8s} {'p99':>8s} {'max':>8s}")
    for way in ("loop", "thread"):
        lags = sorted(asyncio.run(measure(way, args.seconds, width, height)))
        p99 = lags[int(len(lags) * 0.99)]
        print(
            f"  {'on the loop' if way == 'loop' else 'own thread':12s} "
            f"{statistics.median(lags) * 1000:6.2f}ms {p99 * 1000:6.2f}ms {lags[-1] * 1000:6.2f}ms"
        )


if __name__ == "__main__":
    main()
