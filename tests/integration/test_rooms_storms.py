"""Storms around the room sockets: a node that is full sheds new sockets with a code and a
hint a page can act on, and a storm of sign-ins does not stall the sockets that are open (the
password hashing runs beside the event loop, not on it)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from server.clock import SystemClock
from server.db import Database
from server.realtime.connection import CloseCode
from tests.factories import make_user
from tests.integration.conftest import room_settings, serve_world
from tests.roomclient import RoomClient
from tests.rooms_world import build_world, token_of
from tests.servers import serve_in_process

SIGN_INS = 100
PASSWORD = "correct-horse-9"  # what tests.factories.make_user gives everyone


async def test_a_full_node_sheds_new_sockets_with_1013_and_a_retry_hint(
    tmp_path: Path, clock: object
) -> None:
    for world in serve_world(room_settings(tmp_path, ws_max_sockets=2), clock):  # type: ignore[arg-type]
        held = [await RoomClient.open(world.url, world.tokens[p]) for p in ("alice", "bob")]
        url = world.url.replace("http://", "ws://") + f"/ws?token={world.tokens['carol']}"
        async with ws_connect(url) as shed:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(shed.recv(), 5)
        for client in held:
            await client.close()
        # Room again once one leaves.
        again = await RoomClient.open(world.url, world.tokens["carol"])
        joined = await again.join(world.room("round-table"))
        await again.close()

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == CloseCode.try_again_later
    hint = json.loads(closed.value.rcvd.reason)
    assert hint["code"] == "busy" and hint["retry_after"] >= 1
    assert joined["recovered"] is False


async def _people(database_url: str, count: int) -> list[str]:
    """`count` accounts with the factories' password; their emails."""
    database = Database(database_url)
    try:
        async with database.session() as db:
            emails = [f"storm{n}@rooms.test" for n in range(count)]
            for email in emails:
                await make_user(db, SystemClock(), email)
            await db.commit()
            return emails
    finally:
        await database.dispose()


def _worst_loop_lag(exposition: str) -> float:
    """The upper bound of the highest loop-lag bucket that holds an observation."""
    for family in text_string_to_metric_families(exposition):
        if family.name != "pavilion_loop_lag_seconds":
            continue
        buckets = sorted(
            (float(s.labels["le"]), s.value) for s in family.samples if s.name.endswith("_bucket")
        )
        total = buckets[-1][1]
        for bound, count in buckets:
            if count == total:
                return bound
    raise AssertionError("no loop lag figures in /metrics")


async def test_a_storm_of_sign_ins_does_not_stall_open_sockets(tmp_path: Path) -> None:
    settings = room_settings(tmp_path)
    _, sessions = await build_world(settings.database_url, SystemClock())
    emails = await _people(settings.database_url, SIGN_INS)
    env = {
        "PAVILION_ENVIRONMENT": "test",
        "PAVILION_DATABASE_URL": settings.database_url,
        "PAVILION_MEDIA_DIR": str(tmp_path / "media"),
        "PAVILION_LOG_LEVEL": "WARNING",
        "PAVILION_MARATHON_RUNNER": "false",
    }
    room = f"session:{sessions['round-table']}"
    with serve_in_process(env, tmp_path / "server.log") as url:
        alice = await RoomClient.open(url, token_of("alice"))
        bob = await RoomClient.open(url, token_of("bob"))
        await bob.join(room)
        async with httpx.AsyncClient(base_url=url, timeout=120) as http:
            before = (await http.get("/metrics")).text

            async def sign_in(email: str) -> int:
                answer = await http.post(
                    "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
                )
                return answer.status_code

            storm = asyncio.ensure_future(asyncio.gather(*(sign_in(e) for e in emails)))
            round_trips = []
            while not storm.done():  # a chat round trip, again and again, during the storm
                seen = len(bob.pushes[room])
                started = time.perf_counter()
                await alice.ok("chat.send", room, {"text": "still there?"})
                await bob.push(room, "chat.message", after=seen)
                round_trips.append(time.perf_counter() - started)
                await asyncio.sleep(0.05)
            statuses = await storm
            after = (await http.get("/metrics")).text
        for client in (alice, bob):
            await client.close()

    hashed = sum(
        s.value
        for f in text_string_to_metric_families(after)
        for s in f.samples
        if s.name == "pavilion_password_hash_seconds_count"
    )
    assert set(statuses) <= {200, 503} and statuses.count(200) >= SIGN_INS // 2
    assert hashed >= statuses.count(200), "the sign-ins were checked in the pool"
    assert len(round_trips) >= 10, "the storm lasted long enough to measure"
    # Generous bounds: one Argon2 check alone takes ~0.1 s of CPU; on the loop, a hundred of
    # them queued would hold a chat message for seconds.
    assert max(round_trips) < 2.0, f"chat round trips during the storm: {sorted(round_trips)[-5:]}"
    assert _worst_loop_lag(after) <= 0.25, "the event loop was held up during the storm"
    assert before  # the probe was there before the storm too
