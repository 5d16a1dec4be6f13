"""The web UI's snapshot reducer (frontend/snapshot.js, run in Node: tests/fold.py) against the
push registry (server/pushes.py): it folds exactly the push types the registry marks folded,
each of them changes the snapshot it is folded into, every other type leaves a snapshot as it
was, and a push repeating what the snapshot holds is applied by id."""

from __future__ import annotations

from typing import Any

import pytest

from server.pushes import FOLDED, PUSHES, problem
from tests.fold import fold, folded_types

ANN = {"id": 7, "name": "Ann"}
BO = {"id": 8, "name": "Bo"}


def _message(id_: int, user: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "id": id_,
        "user": user,
        "text": text,
        "created_at": "2027-03-26T10:00:00Z",
        "edited_at": None,
    }


def _question(id_: int, status: str, author: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "id": id_,
        "text": "Why?",
        "author": author,
        "anonymous": author is None,
        "status": status,
        "pinned": False,
        "votes": 0,
        "created_at": "2027-03-26T10:01:00Z",
    }


def _poll(id_: int, state: str) -> dict[str, Any]:
    return {
        "id": id_,
        "question": "Q",
        "options": ["a", "b"],
        "multiple": False,
        "results": "after_vote",
        "state": state,
        "counts": [0, 0],
        "voters": 0,
    }


SESSION: dict[str, Any] = {
    "room": "session:1",
    "kind": "session",
    "status": "scheduled",
    "settings": {"slow_mode_seconds": 0, "premoderation": False},
    "messages": [_message(1, ANN, "hi")],
    "questions": [_question(3, "visible", ANN)],
    "polls": [_poll(5, "open")],
    "announcements": [],
    "presence": {"online": 1, "onsite": 0},
    "me": {
        "id": 7,
        "moderator": False,
        "organiser": False,
        "muted_until": None,
        "votes": [],
        "poll_votes": {},
        "hand": None,
    },
}
STAFF: dict[str, Any] = {
    "room": "session:1:staff",
    "kind": "staff",
    "questions": [],
    "polls": [],
    "hands": [],
    "people": [],
}

# A real push of each folded type (each checked against its model), and the snapshot it is
# folded into.
SAMPLES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "chat.message": (SESSION, {"message": _message(2, BO, "<b>x</b>")}),
    "chat.edited": (
        SESSION,
        {"message": {**_message(1, ANN, "hello"), "edited_at": "2027-03-26T10:03:00Z"}},
    ),
    "chat.deleted": (SESSION, {"id": 1}),
    "room.settings": (SESSION, {"slow_mode_seconds": 10, "premoderation": True}),
    "session.status": (SESSION, {"session": 1, "status": "live"}),
    "qa.question": (SESSION, {"question": _question(4, "visible", None)}),
    "qa.updated": (SESSION, {"question": {**_question(3, "answered", ANN), "pinned": True}}),
    "qa.votes": (SESSION, {"votes": {"3": 2}}),
    "poll.state": (STAFF, {"poll": {**_poll(10, "draft"), "multiple": True}}),
    "poll.results": (SESSION, {"poll": 5, "counts": [3, 1], "voters": 4}),
    "presence.counts": (SESSION, {"online": 4, "onsite": 2}),
    "presence.list": (STAFF, {"people": [{**BO, "onsite": True}]}),
    "hand.queue": (
        STAFF,
        {"hands": [{"user": BO, "status": "raised", "raised_at": "2027-03-26T10:07:00Z"}]},
    ),
    "hand.state": (SESSION, {"user": 7, "status": "raised"}),
    "announcement": (
        SESSION,
        {
            "announcement": {
                "id": 9,
                "text": "Soon",
                "author": {"id": 1, "name": "Olga"},
                "created_at": "2027-03-26T10:05:00Z",
            }
        },
    ),
}


async def test_the_reducer_folds_exactly_the_push_types_the_registry_marks_folded() -> None:
    assert await folded_types() == sorted(FOLDED)


@pytest.mark.parametrize("type_", sorted(FOLDED))
async def test_each_folded_push_changes_the_snapshot_it_is_folded_into(type_: str) -> None:
    sample = SAMPLES.get(type_)
    assert sample is not None, f"{type_}: a folded push type without a sample here"
    snapshot, data = sample
    assert problem(type_, data) is None, "the sample must be a push the server could send"

    folded = await fold(snapshot, [{"type": type_, "data": data}])

    assert folded != snapshot


async def test_every_other_push_leaves_a_snapshot_as_it_was() -> None:
    others = [{"type": type_, "data": {}} for type_ in sorted(set(PUSHES) - FOLDED)]

    assert await fold(SESSION, others) == SESSION
    assert await fold(STAFF, others) == STAFF


async def test_a_push_repeating_what_the_snapshot_holds_is_applied_by_id() -> None:
    push = {"type": "chat.message", "data": SAMPLES["chat.message"][1]}

    folded = await fold(SESSION, [push, push])

    assert [m["id"] for m in folded["messages"]] == [1, 2]
