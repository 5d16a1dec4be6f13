"""For every action that pushes events: the snapshot before, with the pushed events folded in
(`server.rooms.snapshot.apply`, what a client does), equals the snapshot after — as seen by
an attendee in the room and by a moderator in its staff room."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from server.rooms.snapshot import apply
from tests.roomclient import RoomClient
from tests.rooms_world import World

Action = Callable[[dict[str, RoomClient], str, dict[str, int]], Awaitable[Any]]


async def _prepare(clients: dict[str, RoomClient], room: str) -> dict[str, int]:
    """A message, a question and an open poll to act on; their ids."""
    alice, moderator = clients["alice"], clients["moderator"]
    message = (await alice.ok("chat.send", room, {"text": "hello"}))["message"]
    question = (await alice.ok("qa.ask", room, {"text": "why?"}))["question"]
    poll = (await moderator.ok("poll.create", room, {"question": "q", "options": ["a", "b"]}))[
        "poll"
    ]
    await moderator.ok("poll.open", room, {"poll": poll["id"]})
    draft = (await moderator.ok("poll.create", room, {"question": "d", "options": ["x", "y"]}))[
        "poll"
    ]
    await alice.ok("hand.raise", room, {})
    return {
        "message": message["id"],
        "question": question["id"],
        "poll": poll["id"],
        "draft": draft["id"],
        "alice": message["user"]["id"],
    }


def _op(person: str, op: str, data: Callable[[dict[str, int]], dict[str, Any]]) -> Action:
    async def act(clients: dict[str, RoomClient], room: str, ids: dict[str, int]) -> Any:
        return await clients[person].ok(op, room, data(ids))

    return act


ACTIONS: dict[str, Action] = {
    "chat.send": _op("alice", "chat.send", lambda i: {"text": "again"}),
    "chat.edit": _op("alice", "chat.edit", lambda i: {"message": i["message"], "text": "new"}),
    "chat.delete": _op("moderator", "chat.delete", lambda i: {"message": i["message"]}),
    "room.settings": _op("moderator", "room.settings", lambda i: {"slow_mode_seconds": 5}),
    "qa.ask": _op("alice", "qa.ask", lambda i: {"text": "how?", "anonymous": True}),
    "qa.upvote": _op("alice", "qa.upvote", lambda i: {"question": i["question"]}),
    "qa.pin": _op("moderator", "qa.pin", lambda i: {"question": i["question"]}),
    "qa.answer": _op("moderator", "qa.answer", lambda i: {"question": i["question"]}),
    "qa.archive": _op("moderator", "qa.archive", lambda i: {"question": i["question"]}),
    "poll.create": _op(
        "moderator", "poll.create", lambda i: {"question": "n", "options": ["1", "2"]}
    ),
    "poll.open": _op("moderator", "poll.open", lambda i: {"poll": i["draft"]}),
    "poll.vote": _op("alice", "poll.vote", lambda i: {"poll": i["poll"], "choices": [1]}),
    "poll.close": _op("moderator", "poll.close", lambda i: {"poll": i["poll"]}),
    "hand.raise": _op("carol", "hand.raise", lambda i: {}),
    "hand.invite": _op("moderator", "hand.invite", lambda i: {"user": i["alice"]}),
    "hand.lower": _op("alice", "hand.lower", lambda i: {}),
    "announce": _op("moderator", "announce", lambda i: {"text": "five minutes"}),
}


async def _settled(*clients: RoomClient, quiet: float = 0.5) -> None:
    """Wait until no push has arrived for `quiet` seconds (counters flush every 0.25 s)."""
    while True:
        before = [sum(map(len, c.pushes.values())) for c in clients]
        await asyncio.sleep(quiet)
        if [sum(map(len, c.pushes.values())) for c in clients] == before:
            return


async def _http_snapshot(world: World, person: str, room: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=world.url) as http:
        answer = await http.get(
            f"/api/v1/rooms/{room}", headers={"Authorization": f"Bearer {world.tokens[person]}"}
        )
    answer.raise_for_status()
    return answer.json()["snapshot"]


@pytest.mark.parametrize("action", sorted(ACTIONS))
async def test_old_snapshot_plus_events_equals_new_snapshot(
    action: str, world: World, connect
) -> None:
    clients = {p: await connect(p) for p in ("alice", "bob", "carol", "moderator")}
    room = world.room("round-table")
    staff = f"{room}:staff"
    ids = await _prepare(clients, room)
    bob, moderator = clients["bob"], clients["moderator"]
    seen = {room: await bob.join(room), staff: await moderator.join(staff)}
    await _settled(bob, moderator)
    watchers = {room: bob, staff: moderator}
    before = {r: (seen[r]["snapshot"], len(watchers[r].pushes[r])) for r in seen}
    old = {}
    for r, (snapshot, _) in before.items():
        for push in watchers[r].pushes[r]:
            snapshot = apply(snapshot, push["type"], push["data"])
        old[r] = snapshot

    await ACTIONS[action](clients, room, ids)
    await _settled(bob, moderator)

    for r, person in ((room, "bob"), (staff, "moderator")):
        folded = old[r]
        new_pushes = watchers[r].pushes[r][before[r][1] :]
        for push in new_pushes:
            folded = apply(folded, push["type"], push["data"])
        assert folded == await _http_snapshot(world, person, r), f"{action} as seen in {r}"
    assert any(watchers[r].pushes[r][before[r][1] :] for r in seen), "the action pushed nothing"
