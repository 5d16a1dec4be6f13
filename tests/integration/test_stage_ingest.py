"""WHIP ingest with real aiortc peers over loopback: speakers publish, others may not, bad
offers are refused, and a publisher's resource is theirs alone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from aiortc.mediastreams import AudioStreamTrack
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import Role
from server.accounts.service import grant
from server.app import create_app
from server.clock import FakeClock
from server.program.models import Session
from server.settings import Settings
from tests.factories import attendance_doc, load_program, signed_in

SPEAKER = {"Authorization": "Bearer speaker"}
OTHER_SPEAKER = {"Authorization": "Bearer other-speaker"}
MODERATOR = {"Authorization": "Bearer moderator"}
ATTENDEE = {"Authorization": "Bearer attendee"}


@pytest.fixture
async def session_id(db: AsyncSession, clock: FakeClock) -> int:
    await load_program(db, clock, attendance_doc())
    session = (await db.exec(select(Session).where(Session.slug == "round-table"))).one()
    for header, role in (
        (SPEAKER, Role.speaker),
        (OTHER_SPEAKER, Role.speaker),
        (MODERATOR, Role.moderator),
    ):
        person = await signed_in(db, clock, f"{header['Authorization'][7:]}@stage.test", header)
        await grant(db, person, role, session_id=session.id)
    await signed_in(db, clock, "attendee@stage.test", ATTENDEE)
    await db.commit()
    assert session.id is not None
    return session.id


async def _offer(*, video: bool = True) -> RTCPeerConnection:
    pc = RTCPeerConnection()
    pc.addTransceiver(VideoStreamTrack() if video else AudioStreamTrack(), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    return pc


async def _publish(client: httpx.AsyncClient, session: int, who: dict[str, str], sdp: str):
    return await client.post(
        f"/api/v1/stage/{session}/whip",
        content=sdp,
        headers={**who, "Content-Type": "application/sdp"},
    )


async def test_a_speaker_publishes_and_the_backstage_receives_their_video(
    client: httpx.AsyncClient, session_id: int
) -> None:
    publisher = await _offer()
    assert publisher.localDescription is not None
    try:
        answer = await _publish(client, session_id, SPEAKER, publisher.localDescription.sdp)
        await publisher.setRemoteDescription(RTCSessionDescription(answer.text, "answer"))
        location = answer.headers["location"]
        source = location.rsplit("/", 1)[1]

        async def receiving() -> dict:
            while True:
                state = (await client.get(f"/api/v1/stage/{session_id}", headers=ATTENDEE)).json()
                if state["sources"] and state["sources"][0]["receiving"]:
                    return state
                await asyncio.sleep(0.05)

        state = await asyncio.wait_for(receiving(), 20)
    finally:
        await publisher.close()

    assert (answer.status_code, answer.headers["content-type"]) == (201, "application/sdp")
    assert location == f"/api/v1/stage/{session_id}/whip/{source}"
    assert "a=candidate" in answer.text  # gathered before answering: no trickle needed
    assert state == {
        "ice_servers": [],
        "on_air": None,
        "sources": [
            {
                "id": source,
                "user_id": state["sources"][0]["user_id"],
                "name": "Speaker",
                "state": "backstage",
                "muted": False,
                "guest": False,
                "receiving": True,
                "failure": None,
            }
        ],
    }


async def test_attendees_cannot_publish_and_bad_offers_are_refused_naming_the_sdp(
    client: httpx.AsyncClient, session_id: int
) -> None:
    audio_only = await _offer(video=False)
    assert audio_only.localDescription is not None
    try:
        attendee = await _publish(client, session_id, ATTENDEE, "v=0\r\n")
        garbage = await _publish(client, session_id, SPEAKER, "m=video nonsense\r\n")
        no_video = await _publish(client, session_id, SPEAKER, audio_only.localDescription.sdp)
        wrong_type = await client.post(
            f"/api/v1/stage/{session_id}/whip",
            content="{}",
            headers={**SPEAKER, "Content-Type": "application/json"},
        )
    finally:
        await audio_only.close()
    state = (await client.get(f"/api/v1/stage/{session_id}", headers=MODERATOR)).json()

    assert attendee.status_code == 403
    assert [
        (r.status_code, r.json()["error"]["field"]) for r in (garbage, no_video, wrong_type)
    ] == [
        (422, "sdp"),
        (422, "sdp"),
        (415, "content-type"),
    ]
    assert state == {"on_air": None, "sources": [], "ice_servers": []}


async def test_only_the_publisher_or_a_moderator_ends_a_source(
    client: httpx.AsyncClient, session_id: int
) -> None:
    publishers = [await _offer(), await _offer()]
    try:
        made = [
            await _publish(client, session_id, SPEAKER, p.localDescription.sdp)  # type: ignore[union-attr]
            for p in publishers
        ]
        first, second = (m.headers["location"] for m in made)

        by_other = await client.delete(first, headers=OTHER_SPEAKER)
        by_attendee = await client.delete(first, headers=ATTENDEE)
        by_owner = await client.delete(first, headers=SPEAKER)
        again = await client.delete(first, headers=SPEAKER)
        by_moderator = await client.delete(second, headers=MODERATOR)
    finally:
        for publisher in publishers:
            await publisher.close()
    state = (await client.get(f"/api/v1/stage/{session_id}", headers=MODERATOR)).json()

    assert [by_other.status_code, by_attendee.status_code] == [404, 404]
    assert [by_owner.status_code, again.status_code, by_moderator.status_code] == [204, 404, 204]
    assert state["sources"] == []


async def test_a_publisher_that_goes_away_without_a_delete_leaves_the_backstage(
    client: httpx.AsyncClient, session_id: int
) -> None:
    publisher = await _offer()
    assert publisher.localDescription is not None
    answer = await _publish(client, session_id, SPEAKER, publisher.localDescription.sdp)
    await publisher.setRemoteDescription(RTCSessionDescription(answer.text, "answer"))

    async def sources() -> list[dict]:
        state = await client.get(f"/api/v1/stage/{session_id}", headers=MODERATOR)
        return state.json()["sources"]

    async def until(check: Callable[[list[dict]], object]) -> None:
        while True:
            if check(await sources()):
                return
            await asyncio.sleep(0.05)

    await asyncio.wait_for(until(lambda found: found and found[0]["receiving"]), 20)
    await publisher.close()
    await asyncio.wait_for(until(lambda found: found == []), 40)


async def test_a_full_stage_refuses_more_viewers_with_503_naming_the_hls_stream(
    settings: Settings, clock: FakeClock, session_id: int
) -> None:
    app = create_app(settings.model_copy(update={"stage_max_viewers": 1}), clock=clock)
    transport = httpx.ASGITransport(app=app)
    viewers = []
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=transport, base_url="http://pavilion.test") as c:
            answers = []
            for _ in range(2):
                pc = RTCPeerConnection()
                viewers.append(pc)
                pc.addTransceiver("video", direction="recvonly")
                await pc.setLocalDescription(await pc.createOffer())
                assert pc.localDescription is not None
                answers.append(
                    await c.post(
                        f"/api/v1/stage/{session_id}/whep",
                        content=pc.localDescription.sdp,
                        headers={**ATTENDEE, "Content-Type": "application/sdp"},
                    )
                )
            for pc in viewers:
                await pc.close()
    assert [a.status_code for a in answers] == [201, 503]
    error = answers[1].json()["error"]
    assert error["field"] == "viewers" and f"/hls/{session_id}/" in error["message"]
