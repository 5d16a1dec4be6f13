"""Telling people: a seat offered from the waitlist and a reminder before a session reach exactly
the right people, once, on their socket and by mail (through a real SMTP server) in their
language and zone; somebody who turned mail off for a kind gets only the push."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.app import create_app
from server.clock import FakeClock
from server.notices.models import Notice
from server.program.models import Session
from server.settings import Settings
from tests.factories import load_program, program_doc, session_doc, signed_in
from tests.roomclient import RoomClient
from tests.servers import serve_here
from tests.smtp_server import Inbox

PEOPLE = {
    # who: (language, zone)
    "first": ("en", "Europe/Berlin"),
    "second": ("ru", "Asia/Jakarta"),
    "third": ("en", "America/Sao_Paulo"),
}


def _header(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer token-of-{who}-0123456789"}


@dataclass
class Node:
    url: str
    http: httpx.AsyncClient
    users: dict[str, int]
    session: int


@pytest.fixture
def settings(settings: Settings, smtp_port: int) -> Settings:
    return settings.model_copy(
        update={
            "smtp_url": f"smtp://127.0.0.1:{smtp_port}",
            "mail_from": "Pavilion <forum@pavilion.test>",
            "marathon_runner": True,
        }
    )


@pytest.fixture
async def node(settings: Settings, db: AsyncSession, clock: FakeClock) -> AsyncIterator[Node]:
    """A one-seat hall talk (Moscow, 2027-03-27 10:00) and three people in their own
    languages and zones; the app served in this test's loop (the FakeClock drives its
    sweepers)."""
    talk = session_doc("one-seat", "2027-03-27T10:00", "2027-03-27T11:00", capacity={"onsite": 1})
    await load_program(db, clock, program_doc(talk))
    users = {}
    for who, (language, zone) in PEOPLE.items():
        user = await signed_in(db, clock, f"{who}@example.org", _header(who))
        user.language, user.tz = language, zone
        db.add(user)
        assert user.id is not None
        users[who] = user.id
    session = (await db.exec(select(Session))).one()
    await db.commit()
    async with serve_here(create_app(settings, clock=clock)) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            assert session.id is not None
            yield Node(url, http, users, session.id)


async def _socket(node: Node, who: str) -> RoomClient:
    client = await RoomClient.open(node.url, _header(who)["Authorization"].split()[1])
    await client.join(f"user:{node.users[who]}")
    return client


async def test_a_seat_freed_is_offered_to_the_first_in_line_by_push_and_mail(
    node: Node, db: AsyncSession, inbox: Inbox, clock: FakeClock
) -> None:
    register = f"/api/v1/sessions/{node.session}/registrations"
    for who in ("first", "second", "third"):
        answer = await node.http.post(register, json={"mode": "onsite"}, headers=_header(who))
        assert answer.status_code == 200, answer.text
    sockets = {who: await _socket(node, who) for who in PEOPLE}

    await node.http.delete(f"{register}/me", headers=_header("first"))
    offer = await sockets["second"].push(f"user:{node.users['second']}", "notice")
    clock.advance(timedelta(minutes=1))  # the mail sweeper's turn
    await inbox.wait(1)

    assert offer["data"]["kind"] == "seat_offered"
    assert offer["data"]["session"] == node.session
    deadline = offer["data"]["data"]["deadline"]
    (mail,) = inbox.to("second@example.org")
    assert mail["Subject"] == "Для вас освободилось место: Сессия one-seat"
    assert "(Asia/Jakarta)" in mail.get_content()
    assert [rcpt for rcpt, _ in inbox.messages] == [["second@example.org"]]
    assert sockets["third"].types(f"user:{node.users['third']}") == []
    stored = (await db.exec(select(Notice.user_id, Notice.key))).all()
    assert stored == [(node.users["second"], f"offer:{_registration_of(stored)}:{deadline}")]
    for client in sockets.values():
        await client.close()


def _registration_of(stored: list[tuple[int, str]]) -> str:
    return stored[0][1].split(":")[1]


async def test_a_reminder_goes_once_and_mail_only_to_those_who_want_it(
    node: Node, db: AsyncSession, inbox: Inbox, clock: FakeClock
) -> None:
    register = f"/api/v1/sessions/{node.session}/registrations"
    for who in ("first", "second"):
        await node.http.post(register, json={"mode": "online"}, headers=_header(who))
    muted = await node.http.patch(
        "/api/v1/me", json={"mail_off": ["reminder"]}, headers=_header("second")
    )
    assert muted.json()["mail_off"] == ["reminder"]
    sockets = {who: await _socket(node, who) for who in PEOPLE}

    # 10:00 Moscow is 07:00 UTC; the reminder is due 30 minutes before.
    clock.set(clock.now().replace(month=3, day=27, hour=6, minute=40))
    pushes = {
        who: await sockets[who].push(f"user:{node.users[who]}", "notice")
        for who in ("first", "second")
    }
    clock.advance(timedelta(minutes=1))
    clock.advance(timedelta(minutes=1))
    await inbox.wait(1)
    await asyncio.sleep(0.5)  # a second sweep had its chance to repeat itself

    assert {who: p["data"]["kind"] for who, p in pushes.items()} == {
        "first": "reminder",
        "second": "reminder",
    }
    assert [rcpt for rcpt, _ in inbox.messages] == [["first@example.org"]]
    (mail,) = inbox.to("first@example.org")
    assert mail["Subject"] == "Soon: Session one-seat"
    assert "08:00–09:00 (Europe/Berlin)" in mail.get_content()
    kinds = (await db.exec(select(Notice.user_id, Notice.mailed))).all()
    assert sorted(kinds) == sorted([(node.users["first"], True), (node.users["second"], False)])
    assert sockets["third"].types(f"user:{node.users['third']}") == []
    for client in sockets.values():
        await client.close()
