"""Joining a session room answers from a snapshot shared by every joiner (built once per room
version, encoded once) with each joiner's own part spliced in. It must tell each person exactly
what a snapshot read whole from the database for them tells, even while the room is busy."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from server.accounts.service import user_for_token
from server.db import Database
from server.realtime.bus import MemoryBus
from server.rooms.access import admit
from server.rooms.snapshot import build
from tests.fold import fold
from tests.roomclient import RoomClient
from tests.rooms_world import World, token_of

PEOPLE = ("alice", "bob", "carol", "moderator", "organiser")


async def _reference(world: World, clock: Any, person: str, room: str) -> dict[str, Any]:
    """The room as `person` sees it, read whole from the database (no cache, no splice)."""
    database = Database(world.database_url)
    try:
        async with database.session() as db:
            user = await user_for_token(db, clock, token_of(person))
            assert user is not None
            who = await admit(db, user, room)
            return await build(db, clock, MemoryBus(), who)
    finally:
        await database.dispose()


def _without_presence(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in snapshot.items() if key != "presence"}


async def test_every_joiner_gets_what_a_snapshot_read_for_them_alone_would_say(
    world: World, connect, clock: Any
) -> None:
    clients = {p: await connect(p) for p in PEOPLE}
    alice, bob, carol, moderator = (clients[p] for p in ("alice", "bob", "carol", "moderator"))
    room = world.room("round-table")
    # Something of everyone's own: an anonymous question (named to its asker only), a pending
    # one (shown to its asker only), votes, a poll vote, a raised hand, a mute.
    await alice.ok("chat.send", room, {"text": "hello"})
    anonymous = (await alice.ok("qa.ask", room, {"text": "who am I?", "anonymous": True}))
    await moderator.ok("room.settings", room, {"premoderation": True})
    await bob.ok("qa.ask", room, {"text": "waiting for a moderator"})
    await carol.ok("qa.upvote", room, {"question": anonymous["question"]["id"]})
    poll = (await moderator.ok("poll.create", room, {"question": "q", "options": ["a", "b"]}))
    await moderator.ok("poll.open", room, {"poll": poll["poll"]["id"]})
    await alice.ok("poll.vote", room, {"poll": poll["poll"]["id"], "choices": [1]})
    await carol.ok("hand.raise", room, {})
    await moderator.ok("chat.mute", room, {"user": world.user_ids["bob"], "minutes": 10})

    joined = {p: await clients[p].join(room) for p in PEOPLE}

    for person in PEOPLE:
        expected = await _reference(world, clock, person, room)
        assert _without_presence(joined[person]["snapshot"]) == _without_presence(expected), person
    # What differs between them is theirs alone.
    mine = {p: joined[p]["snapshot"]["me"] for p in PEOPLE}
    assert mine["carol"]["votes"] == [anonymous["question"]["id"]]
    assert mine["carol"]["hand"] == "raised"
    assert mine["alice"]["poll_votes"] == {str(poll["poll"]["id"]): [1]}
    assert mine["bob"]["muted_until"] is not None and mine["alice"]["muted_until"] is None
    shown = {p: [q["text"] for q in joined[p]["snapshot"]["questions"]] for p in PEOPLE}
    assert shown["bob"] == ["who am I?", "waiting for a moderator"]
    assert shown["alice"] == shown["carol"] == ["who am I?"]
    authors = {p: joined[p]["snapshot"]["questions"][0]["author"] for p in ("alice", "carol")}
    assert authors["alice"] is not None and authors["carol"] is None


@pytest.mark.parametrize("joiners", [40])
async def test_joiners_arriving_while_the_room_talks_miss_nothing_and_see_nothing_twice(
    world: World, connect, joiners: int
) -> None:
    room = world.room("round-table")
    alice = await connect("alice")
    others = [await RoomClient.open(world.url, world.tokens["bob"]) for _ in range(4)]
    late = [await connect(p) for p in ("carol", "organiser", "moderator")]
    watchers = [*others, *late]
    sent: list[str] = []

    async def talk() -> None:
        for n in range(30):
            sent.append((await alice.ok("chat.send", room, {"text": f"m{n}"}))["message"]["text"])
            await asyncio.sleep(0.005)

    async def join_late(client: RoomClient) -> dict[str, Any]:
        for _ in range(joiners // len(watchers)):  # join again and again: new versions
            answer = await client.join(room)
        return answer

    try:
        talking = asyncio.create_task(talk())
        answers = await asyncio.gather(*(join_late(c) for c in watchers))
        await talking
        final = (await alice.join(room))["snapshot"]["messages"]
        for client, answer in zip(watchers, answers, strict=True):
            # Pushes come in order after the snapshot: once the last message is in, so is all.
            await client.wait_for(
                lambda c=client, a=answer: _holds(a, c.pushes[room], sent[-1]),
                what="the whole conversation",
            )
            pushed = [p for p in client.pushes[room] if p["seq"] > answer["seq"]]
            folded = await fold(answer["snapshot"], pushed)
            assert [m["text"] for m in folded["messages"]] == [m["text"] for m in final]
        assert [m["text"] for m in final] == sent
    finally:
        for client in others:
            await client.close()


def _holds(answer: dict[str, Any], pushes: list[dict[str, Any]], text: str) -> bool:
    """Whether a joiner's snapshot, or a push after it, holds the message `text`."""
    pushed = (
        p["data"]["message"]
        for p in pushes
        if p["seq"] > answer["seq"] and p["type"] == "chat.message"
    )
    return any(m["text"] == text for m in [*answer["snapshot"]["messages"], *pushed])
