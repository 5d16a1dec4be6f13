"""Switch latency through Pavilion's HTTP API: from a moderator's take to the viewer's first
decoded frame of the new source.

Everything runs on one event loop in one process, as in tests/integration/test_stage_program.py,
whose colour cameras and colour reader it uses: the app (`create_app` on a fresh SQLite
database holding the test factories' program, a moderator and an attendee) behind httpx's
ASGITransport; two speakers publishing over WHIP, one filming red and one blue; a viewer
watching over WHEP that decodes every frame and tells the colours apart. Each switch waits a
random 0.3-0.8 s on the current colour, then POSTs /take of the other source. The latency runs
from just before that POST to the viewer's `track.recv()` returning the first frame of the new
colour: the request, the wait for the program's next tick, the encode, packetizing, the
loopback, aiortc's jitter buffer (it hands a frame on when the next one starts to arrive)
and the decoder.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from sqlmodel import select

from server.accounts.models import Role
from server.accounts.service import grant
from server.app import create_app
from server.clock import FakeClock
from server.db import Database
from server.migrate import upgrade
from server.program.models import Session
from server.settings import Settings
from tests.factories import attendance_doc, load_program, signed_in
from tests.integration.test_stage_ingest import ATTENDEE, MODERATOR
from tests.integration.test_stage_program import BLUE, RED, ColourTrack, colour

CLOCK_START = datetime(2027, 3, 20, 9, 0, tzinfo=UTC)  # the tests' instant, before the program
WAIT_SECONDS = (0.3, 0.8)  # on a colour before the next take


@dataclass
class Switches:
    latencies_ms: list[float] = field(default_factory=list)  # take to first new frame
    take_ms: list[float] = field(default_factory=list)  # the POST /take alone
    missed: int = 0  # switches whose colour did not arrive within 5 s


async def _world(database_url: str, clock: FakeClock) -> int:
    """The round-table session, a moderator (who may also speak) and an attendee."""
    await upgrade(database_url)
    database = Database(database_url)
    try:
        async with database.session() as db:
            await load_program(db, clock, attendance_doc())
            session = (await db.exec(select(Session).where(Session.slug == "round-table"))).one()
            moderator = await signed_in(db, clock, "moderator@stage.bench", MODERATOR)
            await grant(db, moderator, Role.moderator, session_id=session.id)
            await signed_in(db, clock, "attendee@stage.bench", ATTENDEE)
            await db.commit()
            assert session.id is not None
            return session.id
    finally:
        await database.dispose()


@asynccontextmanager
async def _app(folder: Path) -> AsyncIterator[tuple[httpx.AsyncClient, int]]:
    database_url = f"sqlite+aiosqlite:///{folder / 'stage.db'}"
    clock = FakeClock(CLOCK_START)
    session_id = await _world(database_url, clock)
    settings = Settings(
        environment="test",
        database_url=database_url,
        media_dir=folder / "media",
        log_format="text",
        log_level="WARNING",
        public_url="http://pavilion.test",
        marathon_runner=False,
    )
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://pavilion.test") as c:
            yield c, session_id


async def _negotiate(
    http: httpx.AsyncClient, path: str, who: dict[str, str], pc: RTCPeerConnection
) -> str:
    """WHIP/WHEP: POST the offer, apply the answer; the resource's id."""
    await pc.setLocalDescription(await pc.createOffer())
    assert pc.localDescription is not None
    answer = await http.post(
        path, content=pc.localDescription.sdp, headers={**who, "Content-Type": "application/sdp"}
    )
    answer.raise_for_status()
    await pc.setRemoteDescription(RTCSessionDescription(answer.text, "answer"))
    return str(answer.headers["location"]).rsplit("/", 1)[1]


class Screen:
    """The viewer's decoded picture: which colour it shows, and since when."""

    def __init__(self) -> None:
        self.showing = "none"
        self._waiting: dict[str, asyncio.Future[float]] = {}

    async def watch(self, track: Any) -> None:
        with contextlib.suppress(MediaStreamError):  # the viewer's connection closed
            while True:
                self._show(colour(await track.recv()))

    def _show(self, shown: str) -> None:
        if shown != self.showing:
            self.showing = shown
            waiter = self._waiting.pop(shown, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(time.perf_counter())

    async def shows(self, wanted: str) -> float:
        """The perf_counter instant the first frame of `wanted` came (now, if it shows)."""
        if self.showing == wanted:
            return time.perf_counter()
        waiter = self._waiting.setdefault(wanted, asyncio.get_running_loop().create_future())
        return await waiter


async def measure_switches(count: int, seed: int = 6) -> Switches:
    """`count` takes, alternating red and blue (see the module's docstring)."""
    result = Switches()
    peers: list[RTCPeerConnection] = []
    with tempfile.TemporaryDirectory(prefix="pavilion-stage-") as tmp:
        async with _app(Path(tmp)) as (http, session_id):
            base = f"/api/v1/stage/{session_id}"
            try:
                sources = {}
                for name, yuv in (("red", RED), ("blue", BLUE)):
                    pc = RTCPeerConnection()
                    peers.append(pc)
                    pc.addTransceiver(ColourTrack(yuv), direction="sendonly")
                    sources[name] = await _negotiate(http, f"{base}/whip", MODERATOR, pc)
                await _take(http, base, sources["red"])
                screen = await _viewer(http, base, peers)
                await asyncio.wait_for(screen.shows("red"), 20)
                await _switch(http, base, sources, screen, count, random.Random(seed), result)
            finally:
                for pc in peers:
                    await pc.close()
    return result


async def _viewer(http: httpx.AsyncClient, base: str, peers: list[RTCPeerConnection]) -> Screen:
    viewer = RTCPeerConnection()
    peers.append(viewer)
    viewer.addTransceiver("video", direction="recvonly")
    screen = Screen()
    watching: list[asyncio.Task[None]] = []
    viewer.on("track", lambda track: watching.append(asyncio.create_task(screen.watch(track))))
    await _negotiate(http, f"{base}/whep", ATTENDEE, viewer)
    return screen


async def _take(http: httpx.AsyncClient, base: str, source: str) -> None:
    taken = await http.post(f"{base}/take", json={"source": source}, headers=MODERATOR)
    taken.raise_for_status()


async def _switch(
    http: httpx.AsyncClient,
    base: str,
    sources: dict[str, str],
    screen: Screen,
    count: int,
    rng: random.Random,
    result: Switches,
) -> None:
    on_air = "red"
    for _ in range(count):
        await asyncio.sleep(rng.uniform(*WAIT_SECONDS))
        wanted = "blue" if on_air == "red" else "red"
        started = time.perf_counter()
        await _take(http, base, sources[wanted])
        result.take_ms.append((time.perf_counter() - started) * 1000)
        try:
            shown = await asyncio.wait_for(screen.shows(wanted), 5)
            result.latencies_ms.append((shown - started) * 1000)
        except TimeoutError:
            result.missed += 1
        on_air = wanted
