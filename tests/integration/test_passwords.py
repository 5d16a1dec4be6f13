"""Choosing a password through a mailed link, with a real SMTP server: a new stand's staff
member is invited by the showroom import and signs in with the password they chose; "forgot my
password" answers the same for any address (an address without an account is told so by
mail; not too often), and its link works once, before it expires, ending the account's other
sessions."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import FakeClock
from server.expo.importer import import_pack
from server.expo.media import MediaStore
from server.expo.packs import read_pack
from server.settings import Settings
from tests.factories import signed_in
from tests.showroom_packs import stand_doc, write_pack
from tests.smtp_server import Inbox

ME = {"Authorization": "Bearer mine"}
SWEEP = timedelta(seconds=6)  # past the mail sweeper's 5 s
LINK = re.compile(r"http://pavilion\.test/\?view=password&token=([A-Za-z0-9_-]+)")


@pytest.fixture
def settings(settings: Settings, smtp_port: int) -> Settings:
    return settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{smtp_port}"})


def _token(message: EmailMessage) -> str:
    found = LINK.search(message.get_body(("plain",)).get_content())
    assert found, message.get_body(("plain",)).get_content()
    return found[1]


async def test_an_imported_staff_member_is_invited_and_signs_in_with_the_password_they_chose(
    client: httpx.AsyncClient,
    db: AsyncSession,
    clock: FakeClock,
    settings: Settings,
    inbox: Inbox,
    tmp_path: Path,
) -> None:
    staff = {
        "email": "Olga@Kamturbo.example",
        "name": "Ольга Смирнова",
        "tz": "Europe/Moscow",
        "languages": ["ru", "en"],
        "duty": [],
    }
    folder = write_pack(tmp_path / "volga", [stand_doc("kamturbo", staff=[staff])], host=True)
    store = MediaStore(settings.media_dir / "showrooms")
    first = await import_pack(db, clock, read_pack(folder), store, invite_from=settings.public_url)
    await db.commit()
    again = await import_pack(db, clock, read_pack(folder), store, invite_from=settings.public_url)
    await db.commit()
    assert (first.invited, again.invited) == (["olga@kamturbo.example"], [])

    clock.advance(SWEEP)
    (invitation,) = await inbox.wait(1)
    assert invitation["To"] == "Ольга Смирнова <olga@kamturbo.example>"
    assert invitation["Subject"] == "Ваша учётная запись экспонента: павильон «Поволжье»"
    body = invitation.get_body(("plain",)).get_content()
    assert "в команде стенда «Завод kamturbo»" in body
    assert "ссылка действует до суббота, 27 марта 2027" in " ".join(body.split())

    refused = await client.post(
        "/api/v1/auth/login", json={"email": "olga@kamturbo.example", "password": "!"}
    )
    chosen = await client.post(
        "/api/v1/auth/password",
        json={"token": _token(invitation), "password": "turbines-all-day"},
    )
    assert (refused.status_code, chosen.status_code) == (401, 200)
    signed = {"Authorization": f"Bearer {chosen.json()['token']}"}
    mine = await client.get("/api/v1/me/stands", headers=signed)
    assert [s["slug"] for s in mine.json()] == ["kamturbo"]
    login = await client.post(
        "/api/v1/auth/login",
        json={"email": "olga@kamturbo.example", "password": "turbines-all-day"},
    )
    assert login.status_code == 200


async def test_a_reset_link_works_once_and_signs_the_old_sessions_out(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock, inbox: Inbox
) -> None:
    await signed_in(db, clock, "me@pavilion.test", ME)
    await db.commit()

    known = await client.post("/api/v1/auth/password-reset", json={"email": "ME@pavilion.test"})
    unknown = await client.post("/api/v1/auth/password-reset", json={"email": "nobody@x.test"})
    bad = await client.post("/api/v1/auth/password-reset", json={"email": "not an address"})
    assert (known.status_code, unknown.status_code) == (202, 202)
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "email")
    assert known.json().keys() == unknown.json().keys()  # nothing tells who has an account
    clock.advance(SWEEP)
    messages = await inbox.wait(2)  # the link, and a word to the address without an account
    (message,) = [m for m in messages if "me@pavilion.test" in m["To"]]
    assert message["Subject"] == "Choose a new password for Pavilion"
    token = _token(message)

    short = await client.post("/api/v1/auth/password", json={"token": token, "password": "short"})
    chosen = await client.post(
        "/api/v1/auth/password", json={"token": token, "password": "a-new-password-7"}
    )
    twice = await client.post(
        "/api/v1/auth/password", json={"token": token, "password": "another-password-8"}
    )
    old_session = await client.get("/api/v1/me", headers=ME)
    new_session = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {chosen.json()['token']}"}
    )
    assert (short.status_code, short.json()["error"]["field"]) == (422, "password")
    assert chosen.status_code == 200
    assert (twice.status_code, twice.json()["error"]["field"]) == (422, "token")
    assert (old_session.status_code, new_session.status_code) == (401, 200)
    old_password = await client.post(
        "/api/v1/auth/login", json={"email": "me@pavilion.test", "password": "correct-horse-9"}
    )
    assert old_password.status_code == 401


async def test_a_reset_link_expires_within_the_hour_and_asking_is_limited(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock, inbox: Inbox
) -> None:
    await signed_in(db, clock, "me@pavilion.test", ME)
    await db.commit()
    for _ in range(5):
        asked = await client.post("/api/v1/auth/password-reset", json={"email": "me@pavilion.test"})
        assert asked.status_code == 202
    clock.advance(SWEEP)
    messages = await inbox.wait(3)
    clock.advance(SWEEP)
    assert len(inbox.messages) == 3  # at most three an hour

    clock.advance(timedelta(hours=1))
    late = await client.post(
        "/api/v1/auth/password", json={"token": _token(messages[0]), "password": "too-late-now-1"}
    )
    assert (late.status_code, late.json()["error"]["field"]) == (422, "token")
    assert "expired" in late.json()["error"]["message"]
