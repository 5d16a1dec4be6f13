"""Chat and Q&A in a session room, against a running app over real sockets."""

from __future__ import annotations

import pytest

from tests.roomclient import ReplyError
from tests.rooms_world import World


async def test_a_message_reaches_every_member_as_typed(world: World, connect) -> None:
    alice, bob = await connect("alice"), await connect("bob")
    room = world.room("round-table")
    await alice.join(room)
    await bob.join(room)

    sent = await alice.ok("chat.send", room, {"text": "  <b>bold?</b> & more  "})

    pushed = await bob.push(room, "chat.message")
    assert pushed["data"] == sent
    assert sent["message"]["text"] == "<b>bold?</b> & more"
    assert sent["message"]["user"] == {"id": world.user_ids["alice"], "name": "Alice"}


async def test_authors_edit_and_delete_their_own_messages_and_nobody_elses(
    world: World, connect
) -> None:
    alice, bob = await connect("alice"), await connect("bob")
    room = world.room("round-table")
    await bob.join(room)
    message = (await alice.ok("chat.send", room, {"text": "first draft"}))["message"]

    with pytest.raises(ReplyError) as edit_refused:
        await bob.ok("chat.edit", room, {"message": message["id"], "text": "hijacked"})
    with pytest.raises(ReplyError) as delete_refused:
        await bob.ok("chat.delete", room, {"message": message["id"]})
    edited = await alice.ok("chat.edit", room, {"message": message["id"], "text": "final"})
    await alice.ok("chat.delete", room, {"message": message["id"]})

    assert (edit_refused.value.code, delete_refused.value.code) == ("forbidden", "forbidden")
    assert edited["message"]["text"] == "final"
    await bob.push(room, "chat.deleted")
    chat = [(p["type"], p["data"].get("id")) for p in bob.pushes[room] if "chat." in p["type"]]
    assert chat == [("chat.message", None), ("chat.edited", None), ("chat.deleted", message["id"])]
    snapshot = (await bob.join(room))["snapshot"]
    assert snapshot["messages"] == []


async def test_a_moderator_deletes_anyones_message_and_mutes_a_user(world: World, connect) -> None:
    moderator, bob = await connect("moderator"), await connect("bob")
    room = world.room("round-table")
    message = (await bob.ok("chat.send", room, {"text": "spam"}))["message"]
    await bob.join(f"user:{world.user_ids['bob']}")

    await moderator.ok("chat.delete", room, {"message": message["id"]})
    muted = await moderator.ok("chat.mute", room, {"user": world.user_ids["bob"], "minutes": 10})
    refused = await bob.call("chat.send", room, {"text": "more spam"})

    assert muted["until"] == "2027-03-20T09:10:00Z"
    assert refused["ok"] is False
    assert (refused["error"]["code"], refused["error"]["field"]) == ("forbidden", "text")
    assert refused["error"]["until"] == "2027-03-20T09:10:00Z"
    told = await bob.push(f"user:{world.user_ids['bob']}", "chat.muted")
    assert told["data"] == {"room": room, "until": "2027-03-20T09:10:00Z"}
    assert (await bob.join(room))["snapshot"]["me"]["muted_until"] == "2027-03-20T09:10:00Z"


async def test_attendees_cannot_moderate_chat(world: World, connect) -> None:
    alice = await connect("alice")
    room = world.room("round-table")

    answers = [
        await alice.call("chat.mute", room, {"user": world.user_ids["bob"]}),
        await alice.call("room.settings", room, {"slow_mode_seconds": 60}),
    ]

    assert [a["error"]["code"] for a in answers] == ["forbidden", "forbidden"]


async def test_slow_mode_spaces_an_attendees_messages_but_not_a_moderators(
    world: World, connect
) -> None:
    moderator, alice = await connect("moderator"), await connect("alice")
    room = world.room("round-table")
    await alice.join(room)
    settings = await moderator.ok("room.settings", room, {"slow_mode_seconds": 30})

    await alice.ok("chat.send", room, {"text": "one"})
    second = await alice.call("chat.send", room, {"text": "two"})
    await moderator.ok("chat.send", room, {"text": "mod one"})
    await moderator.ok("chat.send", room, {"text": "mod two"})

    assert settings == {"slow_mode_seconds": 30, "premoderation": False}
    assert (second["error"]["code"], second["error"]["field"]) == ("rate_limited", "text")
    assert second["error"]["reason"] == "slow_mode"
    assert second["error"]["retry_after"] == 30.0  # the clock stands still in these tests
    assert (await alice.push(room, "room.settings"))["data"] == settings


async def test_text_that_is_empty_or_too_long_is_refused_naming_the_field(
    world: World, connect
) -> None:
    alice = await connect("alice")
    room = world.room("round-table")

    empty = await alice.call("chat.send", room, {"text": "   "})
    long = await alice.call("chat.send", room, {"text": "x" * 2001})
    extra = await alice.call("chat.send", room, {"text": "hi", "html": True})

    assert [a["error"]["field"] for a in (empty, long, extra)] == [
        "data.text",
        "data.text",
        "data.html",
    ]
    assert {a["error"]["code"] for a in (empty, long, extra)} == {"invalid"}


async def test_an_anonymous_question_hides_its_asker_from_attendees_not_from_staff(
    world: World, connect
) -> None:
    alice, bob, moderator = await connect("alice"), await connect("bob"), await connect("moderator")
    room = world.room("round-table")
    await bob.join(room)
    await moderator.join(f"{room}:staff")

    asked = await alice.ok("qa.ask", room, {"text": "Who pays for the pilot?", "anonymous": True})

    public = await bob.push(room, "qa.question")
    staff = await moderator.push(f"{room}:staff", "qa.question")
    assert public["data"]["question"]["author"] is None
    assert staff["data"]["question"]["author"] == {"id": world.user_ids["alice"], "name": "Alice"}
    assert asked["question"]["author"] == {"id": world.user_ids["alice"], "name": "Alice"}
    bobs_view = (await bob.join(room))["snapshot"]["questions"]
    assert [q["author"] for q in bobs_view] == [None]


async def test_each_person_upvotes_a_question_once_and_counts_arrive_aggregated(
    world: World, connect
) -> None:
    alice, bob, carol = await connect("alice"), await connect("bob"), await connect("carol")
    room = world.room("round-table")
    await carol.join(room)
    question = (await alice.ok("qa.ask", room, {"text": "Timeline?"}))["question"]

    await bob.ok("qa.upvote", room, {"question": question["id"]})
    await carol.ok("qa.upvote", room, {"question": question["id"]})
    again = await bob.call("qa.upvote", room, {"question": question["id"]})

    assert again["error"]["code"] == "conflict"

    def two_votes() -> bool:
        votes = [p["data"]["votes"] for p in carol.pushes[room] if p["type"] == "qa.votes"]
        return bool(votes) and votes[-1] == {str(question["id"]): 2}

    await carol.wait_for(two_votes, what="qa.votes with 2")
    snapshot = (await carol.join(room))["snapshot"]
    assert snapshot["me"]["votes"] == [question["id"]]
    assert [q["votes"] for q in snapshot["questions"]] == [2]


async def test_premoderated_questions_wait_for_a_moderator(world: World, connect) -> None:
    alice, bob, moderator = await connect("alice"), await connect("bob"), await connect("moderator")
    room = world.room("round-table")
    await moderator.ok("room.settings", room, {"premoderation": True})
    await bob.join(room)
    await moderator.join(f"{room}:staff")

    asked = (await alice.ok("qa.ask", room, {"text": "Is it safe?"}))["question"]
    await moderator.push(f"{room}:staff", "qa.question")
    upvote_pending = await bob.call("qa.upvote", room, {"question": asked["id"]})
    bob_before = (await bob.join(room))["snapshot"]["questions"]
    alice_before = (await alice.join(room))["snapshot"]["questions"]
    await moderator.ok("qa.approve", room, {"question": asked["id"]})
    approved = await bob.push(room, "qa.question")

    assert asked["status"] == "pending"
    assert upvote_pending["error"]["code"] == "not_found"
    assert bob_before == []
    assert [q["status"] for q in alice_before] == ["pending"]
    assert approved["data"]["question"]["status"] == "visible"


async def test_moderators_pin_answer_and_archive_and_attendees_cannot(
    world: World, connect
) -> None:
    alice, bob, moderator = await connect("alice"), await connect("bob"), await connect("moderator")
    room = world.room("round-table")
    await bob.join(room)
    question = (await alice.ok("qa.ask", room, {"text": "Export licences?"}))["question"]

    refused = [
        await alice.call(op, room, {"question": question["id"]})
        for op in ("qa.pin", "qa.answer", "qa.archive", "qa.approve")
    ]
    await moderator.ok("qa.pin", room, {"question": question["id"]})
    await moderator.ok("qa.answer", room, {"question": question["id"]})
    await moderator.ok("qa.archive", room, {"question": question["id"]})

    assert [r["error"]["code"] for r in refused] == ["forbidden"] * 4

    def three_updates() -> list[dict] | None:
        updates = [p["data"]["question"] for p in bob.pushes[room] if p["type"] == "qa.updated"]
        return updates if len(updates) == 3 else None

    updates = await bob.wait_for(three_updates, what="three qa.updated")
    assert [(u["pinned"], u["status"]) for u in updates] == [
        (True, "visible"),
        (True, "answered"),
        (False, "archived"),
    ]
    assert (await bob.join(room))["snapshot"]["questions"] == []


async def test_a_question_of_another_room_is_not_found_here(world: World, connect) -> None:
    alice, moderator = await connect("alice"), await connect("moderator")
    question = (await alice.ok("qa.ask", world.room("round-table"), {"text": "Here?"}))["question"]

    elsewhere = await moderator.call(
        "qa.pin", world.room("closed-session"), {"question": question["id"]}
    )

    assert elsewhere["error"]["code"] == "not_found"
    assert elsewhere["error"]["field"] == "question"
