"""The push registry (server/pushes.py) and its check: a bus built with the check records every
push that does not match its model, and still carries it; docs/rooms.md lists exactly the
registry's push types, and marks exactly the folded ones."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from server.app import create_app
from server.pushes import FOLDED, PUSHES, PushAudit
from server.realtime.bus import MemoryBus
from server.realtime.redis_bus import RedisBus
from server.settings import Settings
from tests.redis_server import redis_server

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rooms.md"
MESSAGE = {
    "id": 4,
    "user": {"id": 7, "name": "Ann"},
    "text": "hi",
    "created_at": "2027-03-20T09:00:00.250000Z",
    "edited_at": None,
}


def _records(audit: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]


async def test_a_bus_with_the_check_records_each_malformed_push_and_still_delivers_it(
    tmp_path: Path,
) -> None:
    audit = tmp_path / "audit.jsonl"
    bus = MemoryBus(check=PushAudit(audit))
    stream = bus.subscribe("session:1")

    await bus.publish("session:1", "chat.message", {"message": MESSAGE})
    await bus.publish("session:1", "chat.deleted", {"id": "four"})
    await bus.publish_volatile("session:1", "presence.counts", {"online": 3})
    await bus.publish("session:1", "chat.typing", {"user": 7})

    delivered = [(await anext(stream)).type for _ in range(4)]
    assert delivered == ["chat.message", "chat.deleted", "presence.counts", "chat.typing"]
    records = _records(audit)
    assert [r["type"] for r in records if r["kind"] == "seen"] == delivered
    bad = [r for r in records if r["kind"] == "bad"]
    assert [(r["room"], r["type"], r["data"]) for r in bad] == [
        ("session:1", "chat.deleted", {"id": "four"}),
        ("session:1", "presence.counts", {"online": 3}),
        ("session:1", "chat.typing", {"user": 7}),
    ]
    assert bad[0]["error"] == "id: Input should be a valid integer"
    assert bad[1]["error"] == "onsite: Field required"
    assert bad[2]["error"] == "chat.typing: no model in the push registry (server/pushes.py)"


@pytest.mark.parametrize(
    ("type_", "data", "wrong"),
    [
        ("chat.message", {"message": {**MESSAGE, "edited_at": "yesterday"}}, "edited_at"),
        ("chat.message", {"message": {**MESSAGE, "likes": 3}}, "likes"),  # nothing undeclared
        ("chat.muted", {"room": "session:1", "until": "2027-03-20T09:00:00"}, "until"),  # no zone
        ("hand.state", {"user": "7", "status": None}, "user"),  # no coercion
        ("poll.results", {"poll": 1, "counts": None, "voters": 0}, "counts"),  # never null here
        ("room.closed", {"room": "session:1", "code": "gone"}, "code"),
    ],
)
def test_the_check_is_exact_about_types_zones_nulls_and_extra_fields(
    tmp_path: Path, type_: str, data: dict[str, Any], wrong: str
) -> None:
    audit = tmp_path / "audit.jsonl"

    PushAudit(audit)("session:1", type_, data)

    (bad,) = [r for r in _records(audit) if r["kind"] == "bad"]
    assert wrong in bad["error"]


def test_a_call_signal_leaves_unset_fields_out_rather_than_null(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    check = PushAudit(audit)
    sent = {"from": 7, "kind": "hangup", "at": "2027-03-20T09:00:00Z", "call": "c4ll-id-1"}

    check("private:x", "call.signal", {**sent, "video": True, "reason": "busy"})
    check("private:x", "call.signal", {**sent, "video": True, "reason": None})

    bad = [r for r in _records(audit) if r["kind"] == "bad"]
    assert [r["data"]["reason"] for r in bad] == [None]


async def test_a_failing_check_never_fails_the_publisher() -> None:
    def broken(room: str, type_: str, data: dict[str, Any]) -> None:
        raise RuntimeError("the audit's disk is full")

    bus = MemoryBus(check=broken)

    assert await bus.publish("session:1", "chat.deleted", {"id": 1}) == (bus.epoch, 1)


async def test_create_app_hands_the_check_to_its_bus_when_settings_ask(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    settings = Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}",
        media_dir=tmp_path / "media",
        check_pushes=True,
        push_audit=audit,
    )
    bus = create_app(settings).state.bus

    await bus.publish("session:1", "qa.votes", {"votes": {"question 3": 1}})

    assert [r["type"] for r in _records(audit) if r["kind"] == "bad"] == ["qa.votes"]


@pytest.mark.redis
async def test_the_redis_bus_checks_what_it_publishes_too(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    with redis_server() as redis:
        bus = RedisBus(redis.url, check=PushAudit(audit))
        try:
            await bus.publish("session:1", "room.settings", {"slow_mode_seconds": 5})
            await bus.publish_volatile("session:1", "reaction.counts", {"counts": {"🙈": 1}})
        finally:
            await bus.close()

    bad = [r for r in _records(audit) if r["kind"] == "bad"]
    assert [r["type"] for r in bad] == ["room.settings", "reaction.counts"]


def _documented() -> dict[str, bool]:
    """The push types of docs/rooms.md's "Push types" table, and whether each is folded."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("\n## Push types\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z_.]+)` \|.*\| (yes|—) \|$", section, flags=re.MULTILINE)
    assert len(rows) == len(re.findall(r"^\| `", section, flags=re.MULTILINE)), "a row unread"
    return {type_: folded == "yes" for type_, folded in rows}


def test_docs_list_exactly_the_registrys_push_types_and_which_are_folded() -> None:
    documented = _documented()

    assert sorted(documented) == sorted(PUSHES)
    assert {t for t, folded in documented.items() if folded} == FOLDED
