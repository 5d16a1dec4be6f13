"""Nobody learns from sign-up or "forgot my password" whether an address has an account: the
answers are the same, and so is the work behind them (one password hash for a sign-up, one
request recorded and one message queued for each), so neither answers sooner. The owner of a
taken address is told by mail that somebody tried; a new address gets a link that makes the
account, and until it is followed there is no account."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import AccountMailRequest, User
from server.accounts.signup import MAX_MAILS_PER_HOUR
from server.clock import FakeClock
from server.mail.models import OutboxMail
from tests.factories import make_user
from tests.signups import sign_up, signup_token

OWNER = "owner@example.org"
DETAILS = {"password": "someone else's password", "name": "Mallory", "language": "en"}


@dataclass(frozen=True)
class Work:
    hashes: float
    mails: int
    requests: int


async def work_done(client: httpx.AsyncClient, db: AsyncSession) -> Work:
    """Argon2 hashes so far (the app's own metric), messages queued, requests recorded."""
    await db.rollback()  # a fresh read
    metrics = (await client.get("/metrics")).text
    hashes = sum(
        sample.value
        for family in text_string_to_metric_families(metrics)
        for sample in family.samples
        if sample.name == "pavilion_password_hash_seconds_count"
    )
    mails = (await db.exec(select(func.count()).select_from(OutboxMail))).one()
    requests = (await db.exec(select(func.count()).select_from(AccountMailRequest))).one()
    return Work(hashes, mails, requests)


def less(after: Work, before: Work) -> Work:
    return Work(
        after.hashes - before.hashes, after.mails - before.mails, after.requests - before.requests
    )


async def mails_to(db: AsyncSession, address: str) -> list[OutboxMail]:
    await db.rollback()
    query = select(OutboxMail).where(OutboxMail.to_email == address).order_by(col(OutboxMail.id))
    return list((await db.exec(query)).all())


@pytest.fixture
async def owner(db: AsyncSession, clock: FakeClock) -> User:
    user = await make_user(db, clock, OWNER)
    user.name, user.language = "Olga Owner", "ru"
    db.add(user)
    await db.commit()
    return user


async def test_signing_up_with_a_taken_address_answers_exactly_as_with_a_new_one(
    client: httpx.AsyncClient, owner: User
) -> None:
    taken = await client.post("/api/v1/auth/signup", json={**DETAILS, "email": "Owner@Example.org"})
    new = await client.post("/api/v1/auth/signup", json={**DETAILS, "email": "new@example.org"})

    assert (taken.status_code, new.status_code) == (202, 202)
    assert (taken.json(), new.json()) == ({"email": OWNER}, {"email": "new@example.org"})
    assert "set-cookie" not in taken.headers and "set-cookie" not in new.headers
    assert sorted(taken.headers.keys()) == sorted(new.headers.keys())


async def test_a_taken_and_a_new_address_cost_the_same_work(
    client: httpx.AsyncClient, db: AsyncSession, owner: User
) -> None:
    start = await work_done(client, db)
    await client.post("/api/v1/auth/signup", json={**DETAILS, "email": OWNER})
    middle = await work_done(client, db)
    await client.post("/api/v1/auth/signup", json={**DETAILS, "email": "new@example.org"})
    end = await work_done(client, db)

    assert less(middle, start) == less(end, middle) == Work(hashes=1, mails=1, requests=1)


async def test_the_owner_of_a_taken_address_is_told_in_their_language_and_nothing_changes(
    client: httpx.AsyncClient, db: AsyncSession, owner: User
) -> None:
    await client.post("/api/v1/auth/signup", json={**DETAILS, "email": OWNER})

    (mail,) = await mails_to(db, OWNER)
    intruder = await client.post(
        "/api/v1/auth/login", json={"email": OWNER, "password": DETAILS["password"]}
    )

    assert mail.subject == "Кто-то пытался зарегистрироваться в Pavilion с вашим адресом"
    assert "Здравствуйте, Olga Owner!" in mail.body
    assert "http://pavilion.test/?view=forgot" in mail.body
    assert signup_token(mail.body) is None  # no link that would make anything
    assert intruder.status_code == 401
    assert (await db.exec(select(func.count()).select_from(User))).one() == 1


async def test_a_new_account_exists_only_once_the_mailed_link_is_followed(
    client: httpx.AsyncClient, db: AsyncSession, database_url: str
) -> None:
    email = "new@example.org"
    asked = await client.post("/api/v1/auth/signup", json={**DETAILS, "email": email})
    before = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": DETAILS["password"]}
    )
    (mail,) = await mails_to(db, email)
    token = signup_token(mail.body)

    made = await client.post("/api/v1/auth/signup/confirm", json={"token": token})
    again = await client.post("/api/v1/auth/signup/confirm", json={"token": token})
    after = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": DETAILS["password"]}
    )

    assert asked.status_code == 202 and before.status_code == 401
    assert mail.subject == "Finish creating your Pavilion account"
    assert (made.status_code, made.json()["user"]["email"]) == (200, email)
    assert "pavilion_session=" in made.headers["set-cookie"]
    assert (again.status_code, again.json()["error"]["field"]) == (422, "token")
    assert after.status_code == 200


async def test_a_sign_up_link_for_an_address_that_got_an_account_meanwhile_makes_nothing(
    client: httpx.AsyncClient, db: AsyncSession, database_url: str
) -> None:
    email = "twice@example.org"
    await client.post("/api/v1/auth/signup", json={**DETAILS, "email": email})
    (first,) = await mails_to(db, email)
    signed = await sign_up(client, database_url, **DETAILS, email=email)  # a second link, used

    late = await client.post(
        "/api/v1/auth/signup/confirm", json={"token": signup_token(first.body)}
    )

    assert signed.status_code == 200
    assert (late.status_code, late.json()["error"]["field"]) == (422, "token")


async def test_a_reset_for_a_known_and_an_unknown_address_answers_and_works_alike(
    client: httpx.AsyncClient, db: AsyncSession, owner: User
) -> None:
    start = await work_done(client, db)
    known = await client.post("/api/v1/auth/password-reset", json={"email": OWNER})
    middle = await work_done(client, db)
    unknown = await client.post(
        "/api/v1/auth/password-reset", json={"email": "nobody@example.org", "language": "ru"}
    )
    end = await work_done(client, db)

    assert (known.status_code, unknown.status_code) == (202, 202)
    assert (known.json(), unknown.json()) == ({"email": OWNER}, {"email": "nobody@example.org"})
    assert less(middle, start) == less(end, middle) == Work(hashes=0, mails=1, requests=1)
    (told,) = await mails_to(db, "nobody@example.org")
    assert "учётной записи с таким адресом нет" in told.body


async def test_an_address_gets_at_most_a_few_such_messages_an_hour(
    client: httpx.AsyncClient, db: AsyncSession, owner: User, clock: FakeClock
) -> None:
    for _ in range(MAX_MAILS_PER_HOUR + 2):
        await client.post("/api/v1/auth/signup", json={**DETAILS, "email": OWNER})
        await client.post("/api/v1/auth/signup", json={**DETAILS, "email": "new@example.org"})
        await client.post("/api/v1/auth/password-reset", json={"email": "nobody@example.org"})

    counts = [
        len(await mails_to(db, address))
        for address in (OWNER, "new@example.org", "nobody@example.org")
    ]

    assert counts == [MAX_MAILS_PER_HOUR] * 3
