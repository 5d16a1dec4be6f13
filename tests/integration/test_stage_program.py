"""The program feed with real aiortc peers over loopback: two speakers publish (told apart by
their colour), a viewer watches over WHEP; a take switches the picture without renegotiation,
and a viewer's keyframe request reaches the one shared encoder through aiortc's sender."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import av
import httpx
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from aiortc.rtp import RTCP_PSFB_PLI, RtcpPsfbPacket
from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from server.app import create_app
from server.clock import FakeClock
from server.settings import Settings
from server.stage.ingest import Stage
from tests.integration.test_stage_ingest import ATTENDEE, MODERATOR, session_id  # noqa: F401

RED = (81, 90, 240)  # Y, U, V
BLUE = (41, 240, 110)


class ColourTrack(VideoStreamTrack):
    """A camera that films one colour."""

    def __init__(self, yuv: tuple[int, int, int]) -> None:
        super().__init__()
        self.yuv = yuv

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(320, 240, "yuv420p")
        for plane, value in zip(frame.planes, self.yuv, strict=True):
            plane.update(bytes([value]) * plane.buffer_size)
        frame.pts, frame.time_base = pts, time_base
        return frame


def colour(frame: av.VideoFrame) -> str:
    """Which test colour a decoded frame shows, by its mean U value."""
    u = bytes(frame.reformat(format="yuv420p").planes[1])
    mean = sum(u) / len(u)
    return "red" if abs(mean - RED[1]) < 30 else "blue" if abs(mean - BLUE[1]) < 30 else "other"


async def _negotiate(
    http: httpx.AsyncClient, path: str, who: dict[str, str], pc: RTCPeerConnection
) -> str:
    await pc.setLocalDescription(await pc.createOffer())
    assert pc.localDescription is not None
    answer = await http.post(
        path, content=pc.localDescription.sdp, headers={**who, "Content-Type": "application/sdp"}
    )
    assert answer.status_code == 201, answer.text
    await pc.setRemoteDescription(RTCSessionDescription(answer.text, "answer"))
    return answer.headers["location"].rsplit("/", 1)[1]


async def _until(check: Any) -> None:
    """Poll (the feed has no event to wait on) until `check()` holds."""
    while True:
        if check():
            return
        await asyncio.sleep(0.05)


@pytest.fixture
async def stage_app(
    settings: Settings, clock: FakeClock, db: AsyncSession
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app and an HTTP client on this test's event loop, where the aiortc peers run too."""
    app = create_app(settings, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=transport, base_url="http://pavilion.test") as c:
            yield app, c


async def test_a_take_switches_what_the_viewer_sees_and_a_pli_reaches_the_shared_encoder(
    stage_app: tuple[FastAPI, httpx.AsyncClient],
    session_id: int,  # noqa: F811
) -> None:
    app, http = stage_app
    base = f"/api/v1/stage/{session_id}"
    peers: list[RTCPeerConnection] = []
    try:
        sources = {}
        for name, yuv in (("red", RED), ("blue", BLUE)):
            pc = RTCPeerConnection()
            pc.addTransceiver(ColourTrack(yuv), direction="sendonly")
            peers.append(pc)
            sources[name] = await _negotiate(http, f"{base}/whip", MODERATOR, pc)
        await http.post(f"{base}/take", json={"source": sources["red"]}, headers=MODERATOR)

        viewer = RTCPeerConnection()
        peers.append(viewer)
        viewer.addTransceiver("video", direction="recvonly")
        got: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        viewer.on("track", lambda track: got.done() or got.set_result(track))
        await _negotiate(http, f"{base}/whep", ATTENDEE, viewer)
        track = await asyncio.wait_for(got, 10)

        async def until(wanted: str) -> None:
            while colour(await track.recv()) != wanted:
                pass

        await asyncio.wait_for(until("red"), 20)
        await http.post(f"{base}/take", json={"source": sources["blue"]}, headers=MODERATOR)
        await asyncio.wait_for(until("blue"), 10)

        stage: Stage = app.state.stage
        feed = stage.feed(session_id)
        (watcher,) = stage._viewers.values()
        (sender,) = watcher.pc.getSenders()
        await asyncio.sleep(1.1)  # past the one-per-second guard
        forced = feed.forced
        pli = RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=1, media_ssrc=sender._ssrc)
        await sender._handle_rtcp_packet(pli)
        await sender._handle_rtcp_packet(pli)  # coalesced with the first
        await asyncio.sleep(0.3)
        assert feed.forced == forced + 1

        await viewer.close()  # a tab closed without a DELETE: its viewer ends
        await asyncio.wait_for(_until(lambda: not stage._viewers), 15)
        assert stage._feeds  # still recording the live stage
        for publisher in peers[:2]:  # the speakers go: the unwatched feed stops
            await publisher.close()
        await asyncio.wait_for(_until(lambda: not stage._feeds), 15)
    finally:
        for pc in peers:
            await pc.close()
