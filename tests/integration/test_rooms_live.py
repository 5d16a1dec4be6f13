"""Polls, reactions, presence, raised hands and announcements in a running app."""

from __future__ import annotations

import httpx

from tests.rooms_world import World

POLL = {"question": "Which plant first?", "options": ["Kazan", "Tashkent", "Cairo"]}


async def test_a_poll_is_drafted_opened_voted_once_and_closed(world: World, connect) -> None:
    moderator, alice, bob = await connect("moderator"), await connect("alice"), await connect("bob")
    room = world.room("round-table")
    await bob.join(room)
    await moderator.join(f"{room}:staff")

    poll = (await moderator.ok("poll.create", room, POLL))["poll"]
    staff_draft = await moderator.push(f"{room}:staff", "poll.state")
    hidden = await alice.call("poll.vote", room, {"poll": poll["id"], "choices": [0]})
    await moderator.ok("poll.open", room, {"poll": poll["id"]})
    opened = await bob.push(room, "poll.state")
    vote = await alice.ok("poll.vote", room, {"poll": poll["id"], "choices": [1]})
    twice = await alice.call("poll.vote", room, {"poll": poll["id"], "choices": [2]})
    results = await bob.push(room, "poll.results")
    await moderator.ok("poll.close", room, {"poll": poll["id"]})
    late = await bob.call("poll.vote", room, {"poll": poll["id"], "choices": [0]})

    assert (poll["state"], staff_draft["data"]["poll"]["state"]) == ("draft", "draft")
    assert hidden["error"]["code"] == "not_found"
    assert opened["data"]["poll"]["state"] == "open"
    assert vote == {"poll": poll["id"], "choices": [1], "counts": [0, 1, 0], "voters": 1}
    assert (twice["error"]["code"], twice["error"]["choices"]) == ("conflict", [1])
    assert results["data"] == {"poll": poll["id"], "counts": [0, 1, 0], "voters": 1}
    assert late["error"]["code"] == "conflict"
    assert [p["data"]["poll"]["state"] for p in bob.pushes[room] if p["type"] == "poll.state"] == [
        "open",
        "closed",
    ]


async def test_on_close_results_reach_attendees_only_when_the_poll_closes(
    world: World, connect
) -> None:
    moderator, alice, bob = await connect("moderator"), await connect("alice"), await connect("bob")
    room = world.room("round-table")
    poll = (await moderator.ok("poll.create", room, {**POLL, "results": "on_close"}))["poll"]
    await moderator.ok("poll.open", room, {"poll": poll["id"]})
    await bob.join(room)
    await moderator.join(f"{room}:staff")

    vote = await alice.ok("poll.vote", room, {"poll": poll["id"], "choices": [2]})
    staff_counts = await moderator.push(f"{room}:staff", "poll.results")
    bob_view = (await bob.join(room))["snapshot"]["polls"]
    await moderator.ok("poll.close", room, {"poll": poll["id"]})
    closed = await bob.push(room, "poll.state")

    assert (vote["counts"], vote["voters"]) == (None, None)
    assert staff_counts["data"] == {"poll": poll["id"], "counts": [0, 0, 1], "voters": 1}
    assert [p["counts"] for p in bob_view] == [None]
    assert "poll.results" not in bob.types(room)
    assert closed["data"]["poll"]["counts"] == [0, 0, 1]


async def test_poll_input_is_checked_and_only_moderators_run_polls(world: World, connect) -> None:
    moderator, alice = await connect("moderator"), await connect("alice")
    room = world.room("round-table")
    poll = (await moderator.ok("poll.create", room, POLL))["poll"]
    await moderator.ok("poll.open", room, {"poll": poll["id"]})

    answers = {
        "attendee creates": await alice.call("poll.create", room, POLL),
        "attendee closes": await alice.call("poll.close", room, {"poll": poll["id"]}),
        "one option": await moderator.call("poll.create", room, {**POLL, "options": ["x"]}),
        "same options": await moderator.call("poll.create", room, {**POLL, "options": ["a", "A"]}),
        "two on single": await alice.call(
            "poll.vote", room, {"poll": poll["id"], "choices": [0, 1]}
        ),
        "out of range": await alice.call("poll.vote", room, {"poll": poll["id"], "choices": [7]}),
        "open again": await moderator.call("poll.open", room, {"poll": poll["id"]}),
    }

    assert {k: (a["error"]["code"], a["error"].get("field")) for k, a in answers.items()} == {
        "attendee creates": ("forbidden", None),
        "attendee closes": ("forbidden", None),
        "one option": ("invalid", "data.options"),
        "same options": ("invalid", "options"),
        "two on single": ("invalid", "choices"),
        "out of range": ("invalid", "choices"),
        "open again": ("conflict", "poll"),
    }


async def test_reactions_are_pushed_as_aggregated_counts(world: World, connect) -> None:
    alice, bob = await connect("alice"), await connect("bob")
    room = world.room("round-table")
    await bob.join(room)

    for _ in range(6):
        await alice.ok("reaction.send", room, {"emoji": "👏"})
    await alice.ok("reaction.send", room, {"emoji": "🔥"})
    wrong = await alice.call("reaction.send", room, {"emoji": "💩"})

    def total() -> dict[str, int] | None:
        summed: dict[str, int] = {}
        pushes = [p for p in bob.pushes[room] if p["type"] == "reaction.counts"]
        for push in pushes:
            for emoji, n in push["data"]["counts"].items():
                summed[emoji] = summed.get(emoji, 0) + n
        return summed if summed == {"👏": 6, "🔥": 1} else None

    await bob.wait_for(total, what="all reactions counted")
    assert len([p for p in bob.pushes[room] if p["type"] == "reaction.counts"]) < 7
    assert wrong["error"]["field"] == "data.emoji"


async def test_presence_counts_go_to_the_room_and_the_list_only_to_staff(
    world: World, connect
) -> None:
    alice, bob, moderator = await connect("alice"), await connect("bob"), await connect("moderator")
    room = world.room("round-table")
    await alice.join(room)
    await bob.join(room)

    await alice.wait_for(
        lambda: any(
            p["data"]["online"] == 2 for p in alice.pushes[room] if p["type"] == "presence.counts"
        ),
        what="two online",
    )
    listed = await moderator.ok("presence.list", room, {})
    refused = await alice.call("presence.list", room, {})
    staff_refused = await alice.call("room.join", f"{room}:staff", {})
    await bob.ok("room.leave", room, {})

    assert [p["name"] for p in listed["people"]] == ["Alice", "Bob"]
    assert (listed["online"], listed["onsite"]) == (2, 0)
    assert refused["error"]["code"] == "forbidden"
    assert staff_refused["error"]["code"] == "forbidden"
    await alice.wait_for(
        lambda: (
            alice.pushes[room][-1]["type"] == "presence.counts"
            and alice.pushes[room][-1]["data"]["online"] == 1
        ),
        what="one online",
    )


async def test_a_raised_hand_reaches_the_queue_and_a_moderator_invites_it(
    world: World, connect
) -> None:
    alice, bob, moderator = await connect("alice"), await connect("bob"), await connect("moderator")
    room = world.room("round-table")
    await alice.join(room)
    await moderator.join(f"{room}:staff")

    raised = await alice.ok("hand.raise", room, {})
    queue = await moderator.push(f"{room}:staff", "hand.queue")
    refused = await bob.call("hand.invite", room, {"user": world.user_ids["alice"]})
    lower_other = await bob.call("hand.lower", room, {"user": world.user_ids["alice"]})
    await moderator.ok("hand.invite", room, {"user": world.user_ids["alice"]})

    assert raised == {"hand": "raised"}
    assert [(h["user"]["name"], h["status"]) for h in queue["data"]["hands"]] == [
        ("Alice", "raised")
    ]
    assert (refused["error"]["code"], lower_other["error"]["code"]) == ("forbidden", "forbidden")
    await alice.wait_for(
        lambda: any(
            p["data"] == {"user": world.user_ids["alice"], "status": "invited"}
            for p in alice.pushes[room]
            if p["type"] == "hand.state"
        ),
        what="invited",
    )
    await alice.ok("hand.lower", room, {})
    assert (await alice.join(room))["snapshot"]["me"]["hand"] is None


async def test_organisers_announce_to_the_forum_and_attendees_cannot(world: World, connect) -> None:
    organiser, alice = await connect("organiser"), await connect("alice")
    forum_room = f"forum:{world.forum}"
    await alice.join(forum_room)

    refused = await alice.call("announce", forum_room, {"text": "Free coffee!"})
    await organiser.ok("announce", forum_room, {"text": "Hall B opens at 10:00"})
    async with httpx.AsyncClient(base_url=world.url) as http:
        posted = await http.post(
            f"/api/v1/rooms/{forum_room}/announcements",
            json={"text": "Buses leave at 18:00"},
            headers={"Authorization": f"Bearer {world.tokens['organiser']}"},
        )
        by_attendee = await http.post(
            f"/api/v1/rooms/{forum_room}/announcements",
            json={"text": "nope"},
            headers={"Authorization": f"Bearer {world.tokens['alice']}"},
        )

    assert refused["error"]["code"] == "forbidden"
    assert (posted.status_code, by_attendee.status_code) == (201, 403)

    def texts() -> list[str]:
        return [p["data"]["announcement"]["text"] for p in alice.pushes[forum_room]]

    await alice.wait_for(lambda: len(texts()) == 2, what="two announcements")
    assert texts() == ["Hall B opens at 10:00", "Buses leave at 18:00"]
