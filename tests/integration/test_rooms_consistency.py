"""For every room operation that changes a snapshot: the snapshot before, with the pushed
events folded in by the web UI's own reducer (frontend/snapshot.js, run in Node: see
tests/fold.py), equals the snapshot after, as seen by an attendee in the room and by a
moderator in its staff room; with Q&A pre-moderation off and on.

The table of actions is checked against the room operations themselves
(server/rooms/handlers.py): each has a case here or a reason in NOT_SNAPSHOT, so a new
operation without one fails."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.clock import FakeClock
from server.rooms.handlers import operations
from tests.fold import fold
from tests.integration.conftest import room_settings, serve_world
from tests.roomclient import RoomClient
from tests.rooms_world import World

# Only the names are read: no handler runs, so no tally is needed.
ROOM_OPERATIONS = sorted(operations(None))  # type: ignore[arg-type]

NOT_SNAPSHOT = {
    "call.signal": "a private room's call signalling: relayed as it comes, kept in no snapshot",
    "chat.mute": "personal: told in the muted person's own room (`chat.muted`); their "
    "`me.muted_until` is read when they next join",
    "reaction.send": "volatile counts (`reaction.counts`), kept in no snapshot",
    "presence.list": "a read: it changes nothing and pushes nothing",
}

Action = Callable[[dict[str, RoomClient], str, dict[str, int]], Awaitable[Any]]


async def _prepare(
    clients: dict[str, RoomClient], room: str, premoderation: bool
) -> dict[str, int]:
    """A message, a visible question, a pending one, an open poll, a draft and a raised hand to
    act on; their ids. With `premoderation`, the room pre-moderates questions from the start
    (the visible one was approved)."""
    alice, moderator = clients["alice"], clients["moderator"]
    if premoderation:
        await moderator.ok("room.settings", room, {"premoderation": True})
    message = (await alice.ok("chat.send", room, {"text": "hello"}))["message"]
    question = (await alice.ok("qa.ask", room, {"text": "why?"}))["question"]
    if premoderation:
        await moderator.ok("qa.approve", room, {"question": question["id"]})
    pending = await _pending_question(alice, moderator, room, premoderation)
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
        "pending": pending,
        "poll": poll["id"],
        "draft": draft["id"],
        "alice": message["user"]["id"],
    }


async def _pending_question(
    alice: RoomClient, moderator: RoomClient, room: str, premoderation: bool
) -> int:
    """A question waiting for a moderator (without pre-moderation, asked while it was on)."""
    if not premoderation:
        await moderator.ok("room.settings", room, {"premoderation": True})
    question = (await alice.ok("qa.ask", room, {"text": "may I?"}))["question"]
    if not premoderation:
        await moderator.ok("room.settings", room, {"premoderation": False})
    assert question["status"] == "pending"
    return int(question["id"])


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
    "qa.approve": _op("moderator", "qa.approve", lambda i: {"question": i["pending"]}),
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


# Counters are pushed every FLUSH seconds here (0.25 s by default): a quiet of a few flushes
# tells that nothing is still to come, and every case below waits for that twice.
FLUSH = 0.05


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock) -> Iterator[World]:
    yield from serve_world(room_settings(tmp_path, room_flush_seconds=FLUSH), clock)


async def _settled(*clients: RoomClient, quiet: float = 4 * FLUSH) -> None:
    """Wait until no push has arrived for `quiet` seconds."""
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


def test_every_room_operation_has_a_case_or_a_reason_to_have_none() -> None:
    assert sorted([*ACTIONS, *NOT_SNAPSHOT]) == ROOM_OPERATIONS


@pytest.mark.parametrize("premoderation", [False, True], ids=["open", "premoderated"])
@pytest.mark.parametrize("action", [op for op in ROOM_OPERATIONS if op not in NOT_SNAPSHOT])
async def test_old_snapshot_plus_events_equals_new_snapshot(
    action: str, premoderation: bool, world: World, connect
) -> None:
    act = ACTIONS.get(action)
    assert act is not None, f"{action}: no case in ACTIONS (nor a reason in NOT_SNAPSHOT)"
    clients = {p: await connect(p) for p in ("alice", "bob", "carol", "moderator")}
    room = world.room("round-table")
    staff = f"{room}:staff"
    ids = await _prepare(clients, room, premoderation)
    bob, moderator = clients["bob"], clients["moderator"]
    seen = {room: await bob.join(room), staff: await moderator.join(staff)}
    await _settled(bob, moderator)
    watchers = {room: bob, staff: moderator}
    before = {r: len(watchers[r].pushes[r]) for r in seen}
    old = {r: await fold(seen[r]["snapshot"], watchers[r].pushes[r]) for r in seen}

    await act(clients, room, ids)
    await _settled(bob, moderator)

    for r, person in ((room, "bob"), (staff, "moderator")):
        folded = await fold(old[r], watchers[r].pushes[r][before[r] :])
        assert folded == await _http_snapshot(world, person, r), f"{action} as seen in {r}"
    assert any(watchers[r].pushes[r][before[r] :] for r in seen), "the action pushed nothing"
