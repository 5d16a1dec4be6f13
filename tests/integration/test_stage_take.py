"""Take, stage and mute: moderators move sources, and every change reaches the session's room
as `stage.state` (against a running app, publishers being real aiortc peers)."""

from __future__ import annotations

import httpx
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack

from tests.rooms_world import World


async def _publisher(
    http: httpx.AsyncClient, session: int, token: str
) -> tuple[RTCPeerConnection, str]:
    pc = RTCPeerConnection()
    pc.addTransceiver(VideoStreamTrack(), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    assert pc.localDescription is not None
    answer = await http.post(
        f"/api/v1/stage/{session}/whip",
        content=pc.localDescription.sdp,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/sdp"},
    )
    if answer.status_code != 201:
        await pc.close()
    assert answer.status_code == 201, answer.text
    await pc.setRemoteDescription(RTCSessionDescription(answer.text, "answer"))
    return pc, answer.headers["location"].rsplit("/", 1)[1]


async def test_a_take_puts_a_source_on_air_and_the_room_hears_of_every_change(
    world: World, connect
) -> None:
    session = world.sessions["round-table"]
    moderator = {"Authorization": f"Bearer {world.tokens['moderator']}"}
    attendee = {"Authorization": f"Bearer {world.tokens['alice']}"}
    alice = await connect("alice")
    await alice.join(world.room("round-table"))
    async with httpx.AsyncClient(base_url=world.url) as http:
        first_pc, first = await _publisher(http, session, world.tokens["moderator"])
        second_pc, second = await _publisher(http, session, world.tokens["moderator"])
        try:
            refused = await http.post(
                f"/api/v1/stage/{session}/take", json={"source": first}, headers=attendee
            )
            unknown = await http.post(
                f"/api/v1/stage/{session}/take", json={"source": "nope"}, headers=moderator
            )
            taken = await http.post(
                f"/api/v1/stage/{session}/take", json={"source": first}, headers=moderator
            )
            switched = await http.post(
                f"/api/v1/stage/{session}/take", json={"source": second}, headers=moderator
            )
            muted = await http.patch(
                f"/api/v1/stage/{session}/sources/{first}",
                json={"muted": True, "state": "backstage"},
                headers=moderator,
            )
        finally:
            for pc in (first_pc, second_pc):
                await pc.close()

    def states(answer: httpx.Response) -> dict[str, tuple[str, bool]]:
        return {s["id"]: (s["state"], s["muted"]) for s in answer.json()["sources"]}

    assert (refused.status_code, unknown.status_code) == (403, 404)
    assert taken.json()["on_air"] == first
    assert switched.json()["on_air"] == second
    assert states(switched) == {first: ("stage", False), second: ("air", False)}
    assert states(muted) == {first: ("backstage", True), second: ("air", False)}
    room = world.room("round-table")

    def stage_states() -> list[dict] | None:
        found = [p["data"] for p in alice.pushes[room] if p["type"] == "stage.state"]
        return found if len(found) >= 5 else None

    pushed = await alice.wait_for(stage_states, what="five stage.state pushes")
    # Two sources joining (and each once its picture arrives), two takes, one change (mute
    # and move together), in this order.
    assert [len(p["sources"]) for p in pushed[:2]] == [1, 2]
    rest = iter(pushed)
    assert all(any(p == answer.json() for p in rest) for answer in (taken, switched, muted))


async def test_an_invited_hand_is_a_guest_seat_on_the_stage_until_it_is_lowered(
    world: World, connect
) -> None:
    session = world.sessions["round-table"]
    room = world.room("round-table")
    alice, moderator = await connect("alice"), await connect("moderator")
    for client in (alice, moderator):
        await client.join(room)
    async with httpx.AsyncClient(base_url=world.url) as http:
        await alice.ok("hand.raise", room, {})
        with pytest.raises(AssertionError, match="403"):  # raised is not yet invited
            await _publisher(http, session, world.tokens["alice"])
        await moderator.ok("hand.invite", room, {"user": world.user_ids["alice"]})
        with pytest.raises(AssertionError, match="403"):  # bob was not invited
            await _publisher(http, session, world.tokens["bob"])
        first_pc, first = await _publisher(http, session, world.tokens["alice"])
        left = await http.delete(
            f"/api/v1/stage/{session}/whip/{first}", headers=_bearer(world, "alice")
        )
        await first_pc.close()
        pc, guest = await _publisher(http, session, world.tokens["alice"])
        try:
            state = await http.get(f"/api/v1/stage/{session}", headers=_bearer(world, "bob"))
            (seat,) = state.json()["sources"]
            await moderator.ok("hand.lower", room, {"user": world.user_ids["alice"]})
            after = await http.get(f"/api/v1/stage/{session}", headers=_bearer(world, "bob"))
        finally:
            await pc.close()
    assert left.status_code == 204  # a guest may leave by themselves
    assert (seat["id"], seat["user_id"], seat["guest"]) == (guest, world.user_ids["alice"], True)
    assert after.json()["sources"] == []  # the seat ended with the hand


def _bearer(world: World, person: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[person]}"}


async def test_a_closed_sessions_stage_is_for_its_invitees_and_staff_only(world: World) -> None:
    session = world.sessions["closed-session"]
    base = f"/api/v1/stage/{session}"
    async with httpx.AsyncClient(base_url=world.url) as http:
        pc, source = await _publisher(http, session, world.tokens["moderator"])
        try:
            taken = await http.post(
                f"{base}/take", json={"source": source}, headers=_bearer(world, "moderator")
            )
            answers = {}
            for person in ("alice", "invitee"):
                viewer = RTCPeerConnection()
                viewer.addTransceiver("video", direction="recvonly")
                await viewer.setLocalDescription(await viewer.createOffer())
                assert viewer.localDescription is not None
                headers = {**_bearer(world, person), "Content-Type": "application/sdp"}
                watched = await http.post(
                    f"{base}/whep", content=viewer.localDescription.sdp, headers=headers
                )
                state = await http.get(base, headers=_bearer(world, person))
                hls = await http.get(f"/hls/{session}/", headers=_bearer(world, person))
                answers[person] = (watched.status_code, state.status_code, hls.status_code)
                await viewer.close()
        finally:
            await pc.close()
    assert taken.status_code == 200
    assert answers["alice"] == (403, 403, 403)  # not invited: no picture, no state, no HLS
    assert answers["invitee"][:2] == (201, 200)
    assert answers["invitee"][2] in (200, 404)  # the playlist may not have its first segment yet
