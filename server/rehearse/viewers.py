"""WebRTC viewers of the rehearsed stage: aiortc WHEP clients in a process of their own
(`python -m server.rehearse.viewers PLAN.json`), because Locust has no WebRTC and aiortc needs
an asyncio loop that gevent must never touch.

Each viewer signs in as one of the plan's `webrtc` accounts, offers to receive video and audio
(POST /api/v1/stage/{session}/whep, application/sdp), and counts the frames it decodes until the
run ends, then DELETEs its resource. Figures: the time to the SDP answer, to the first decoded
frame, frames received; a 503 (the node's viewer cap) is a figure, not a crash. One line per
viewer, then a summary, on standard output (see plan.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from server.rehearse.plan import Plan, emit

SDP = "application/sdp"


@dataclass
class Viewing:
    """One viewer's figures (milliseconds from its WHEP request)."""

    email: str
    status: int | None = None  # of the WHEP request
    error: str | None = None
    answer_ms: float | None = None
    first_frame_ms: float | None = None
    frames: int = 0
    left: int | None = None  # the status of its DELETE


async def sign_in(http: httpx.AsyncClient, plan: Plan, email: str) -> str:
    """A token for the account, waiting as told while the server is busy."""
    while True:
        answer = await http.post(
            "/api/v1/auth/login", json={"email": email, "password": plan.password}
        )
        if answer.status_code == 200:
            return str(answer.json()["token"])
        if answer.status_code not in (429, 503):
            raise RuntimeError(f"sign-in answered {answer.status_code}")
        await asyncio.sleep(float(answer.headers.get("retry-after", "1")))


async def _count_frames(track: MediaStreamTrack, viewing: Viewing, started: float) -> None:
    with contextlib.suppress(MediaStreamError):
        while True:
            await track.recv()
            if viewing.first_frame_ms is None:
                viewing.first_frame_ms = (time.perf_counter() - started) * 1000
            viewing.frames += 1


async def watch(plan: Plan, viewing: Viewing, until: asyncio.Event) -> None:
    """Watch the stage over WHEP until `until` is set, filling in `viewing` meanwhile."""
    email = viewing.email
    counting: list[asyncio.Task[None]] = []
    pc = RTCPeerConnection()
    async with httpx.AsyncClient(base_url=plan.url, timeout=30) as http:
        try:
            token = await sign_in(http, plan, email)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": SDP}
            pc.addTransceiver("video", direction="recvonly")
            pc.addTransceiver("audio", direction="recvonly")
            started = time.perf_counter()

            @pc.on("track")
            def _track(track: MediaStreamTrack) -> None:
                if track.kind == "video":
                    counting.append(asyncio.create_task(_count_frames(track, viewing, started)))

            await pc.setLocalDescription(await pc.createOffer())
            assert pc.localDescription is not None
            path = f"/api/v1/stage/{plan.session}/whep"
            answer = await http.post(path, content=pc.localDescription.sdp, headers=headers)
            viewing.status = answer.status_code
            if answer.status_code != 201:
                viewing.error = _refusal(answer)
                return
            viewing.answer_ms = (time.perf_counter() - started) * 1000
            await pc.setRemoteDescription(RTCSessionDescription(answer.text, "answer"))
            await until.wait()
            resource = answer.headers["location"]
            gone = await http.delete(resource, headers={"Authorization": f"Bearer {token}"})
            viewing.left = gone.status_code
        except Exception as exc:  # a viewer that fails is a figure too
            viewing.error = viewing.error or f"{type(exc).__name__}: {exc}"[:200]
        finally:
            for task in counting:
                task.cancel()
            await pc.close()


def _refusal(answer: httpx.Response) -> str:
    try:
        code = answer.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = ""
    return f"{answer.status_code} {code}".strip()


async def _progress(viewings: list[Viewing], every: float) -> None:
    started = time.monotonic()
    while True:
        await asyncio.sleep(every)
        emit(
            "viewers",
            t=round(time.monotonic() - started, 3),
            watching=sum(1 for v in viewings if v.frames),
            frames=sum(v.frames for v in viewings),
        )


async def run(plan: Plan) -> list[Viewing]:
    """Every viewer at once (staggered a little), until the plan's time is up or SIGTERM."""
    until = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, until.set)
    loop.call_later(plan.seconds, until.set)
    parent = os.getppid()
    watchdog = asyncio.create_task(_watch_parent(parent, until))

    viewings = [Viewing(email) for email in plan.webrtc]

    async def one(index: int, viewing: Viewing) -> None:
        await asyncio.sleep(index * 0.2)
        await watch(plan, viewing, until)

    progress = asyncio.create_task(_progress(viewings, plan.tick))
    await asyncio.gather(*(one(i, v) for i, v in enumerate(viewings)))
    progress.cancel()
    watchdog.cancel()
    return viewings


async def _watch_parent(parent: int, until: asyncio.Event) -> None:
    """Stop if the command that started us is gone (killed): nobody would stop us else."""
    while not until.is_set():
        if os.getppid() != parent:
            until.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(until.wait(), 1)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m server.rehearse.viewers PLAN.json", file=sys.stderr)
        return 2
    results = asyncio.run(run(Plan.read(Path(argv[0]))))
    for viewing in results:
        emit("viewer", **asdict(viewing))
    emit("viewers.final", viewers=len(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
