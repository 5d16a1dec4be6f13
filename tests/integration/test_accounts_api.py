"""Accounts over HTTP: sign up, sign in (throttled), cookie and bearer, sign out, who am I."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import AuthSession, User
from server.accounts.service import MAX_FAILURES_PER_ACCOUNT, SESSION_DAYS, THROTTLE_WINDOW
from server.clock import FakeClock
from tests.signups import sign_up

SIGNUP = {
    "email": "Dewi.Anggraini@Example.org",
    "password": "a long enough secret",
    "name": "Dewi Anggraini",
    "organisation": "Surabaya Valves",
    "country": "ID",
    "language": "en",
    "tz": "Asia/Jakarta",
}


async def ask(client: httpx.AsyncClient, **change: Any) -> httpx.Response:
    """Only the sign-up request (its answer is the same for any address)."""
    return await client.post("/api/v1/auth/signup", json=SIGNUP | change)


async def signup(client: httpx.AsyncClient, database_url: str, **change: Any) -> httpx.Response:
    """Sign up and follow the mailed link: the answer that signed in."""
    return await sign_up(client, database_url, **(SIGNUP | change))


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


def bearer(response: httpx.Response) -> dict[str, str]:
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def test_following_the_sign_up_link_signs_in_with_a_token_and_an_http_only_cookie(
    client: httpx.AsyncClient, db: AsyncSession, database_url: str
) -> None:
    response = await signup(client, database_url)

    assert response.status_code == 200
    assert response.json()["user"]["email"] == "dewi.anggraini@example.org"
    cookie = response.headers["set-cookie"]
    assert "pavilion_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    me = await client.get("/api/v1/me", headers=bearer(response))
    assert (me.json()["name"], me.json()["tz"], me.json()["roles"]) == (
        "Dewi Anggraini",
        "Asia/Jakarta",
        [],
    )
    stored = (await db.exec(select(User))).one()
    assert stored.password_hash.startswith("$argon2") and SIGNUP["password"] not in str(stored)
    session = (await db.exec(select(AuthSession))).one()
    assert session.token_hash != response.json()["token"]  # only a digest is stored


async def test_the_cookie_alone_identifies_the_browser(
    client: httpx.AsyncClient, database_url: str
) -> None:
    token = (await signup(client, database_url)).json()["token"]
    client.cookies.set("pavilion_session", token)

    me = await client.get("/api/v1/me")

    assert me.json()["email"] == "dewi.anggraini@example.org"


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"email": "not-an-email"}, 422, "email"),
        ({"password": "short"}, 422, "password"),
        ({"country": "Indonesia"}, 422, "country"),
        ({"tz": "Java/Surabaya"}, 422, "tz"),
        ({"role": "organiser"}, 422, "role"),
        # A line break in a name would break every mail header that carries it.
        ({"name": "Eve\r\nBcc: everyone@example.org"}, 422, "name"),
        ({"name": "Eve\u2028Bcc"}, 422, "name"),
    ],
)
async def test_bad_signups_name_the_field(
    client: httpx.AsyncClient, change: dict[str, str], status: int, field: str
) -> None:
    response = await ask(client, **change)

    assert (response.status_code, response.json()["error"]["field"]) == (status, field)


async def test_a_name_changed_to_two_lines_is_refused_and_the_old_one_kept(
    client: httpx.AsyncClient,
    database_url: str,
) -> None:
    token = (await signup(client, database_url)).json()["token"]
    header = {"Authorization": f"Bearer {token}"}

    refused = await client.patch("/api/v1/me", json={"name": "Dewi\nX-Hdr: 1"}, headers=header)
    me = await client.get("/api/v1/me", headers=header)

    assert (refused.status_code, refused.json()["error"]["field"]) == (422, "name")
    assert "one line" in refused.json()["error"]["message"]
    assert me.json()["name"] == "Dewi Anggraini"


async def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(
    client: httpx.AsyncClient,
    database_url: str,
) -> None:
    await signup(client, database_url)

    wrong = await login(client, SIGNUP["email"], "not the password")
    unknown = await login(client, "nobody@example.org", "not the password")

    assert (wrong.status_code, wrong.json()) == (unknown.status_code, unknown.json())
    assert wrong.status_code == 401


async def test_sign_in_is_throttled_per_account_and_recovers_after_the_window(
    client: httpx.AsyncClient, clock: FakeClock, database_url: str
) -> None:
    await signup(client, database_url)
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        await login(client, SIGNUP["email"], "guess")

    blocked = await login(client, SIGNUP["email"], SIGNUP["password"])
    clock.advance(THROTTLE_WINDOW + timedelta(seconds=1))
    later = await login(client, SIGNUP["email"], SIGNUP["password"])

    assert blocked.status_code == 429
    error = blocked.json()["error"]
    assert (error["code"], error["retry_after"]) == ("rate_limited", 901)
    assert blocked.headers["retry-after"] == "901"
    assert later.status_code == 200


async def test_sign_in_is_throttled_per_address_across_accounts(
    client: httpx.AsyncClient,
    database_url: str,
) -> None:
    await signup(client, database_url)
    for index in range(20):
        await login(client, f"someone{index}@example.org", "guess")

    blocked = await login(client, SIGNUP["email"], SIGNUP["password"])

    assert blocked.status_code == 429


async def test_signing_out_revokes_the_session_at_once(
    client: httpx.AsyncClient, database_url: str
) -> None:
    await signup(client, database_url)
    first = await login(client, SIGNUP["email"], SIGNUP["password"])
    second = await login(client, SIGNUP["email"], SIGNUP["password"])

    out = await client.post("/api/v1/auth/logout", headers=bearer(first))

    assert out.status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(first))).status_code == 401
    assert (await client.get("/api/v1/me", headers=bearer(second))).status_code == 200


async def test_a_session_expires(
    client: httpx.AsyncClient, clock: FakeClock, database_url: str
) -> None:
    response = await signup(client, database_url)
    clock.advance(timedelta(days=SESSION_DAYS, seconds=1))

    assert (await client.get("/api/v1/me", headers=bearer(response))).status_code == 401


async def test_a_cookie_cannot_act_for_another_site(
    client: httpx.AsyncClient, database_url: str
) -> None:
    token = (await signup(client, database_url)).json()["token"]
    client.cookies.set("pavilion_session", token)

    foreign = await client.post("/api/v1/auth/logout", headers={"Origin": "https://evil.example"})
    ours = await client.get("/api/v1/me", headers={"Origin": "https://evil.example"})

    assert foreign.status_code == 403
    assert ours.status_code == 200  # reading is harmless; the session still works


async def test_an_address_that_can_never_receive_mail_cannot_sign_up(
    client: httpx.AsyncClient,
) -> None:
    answer = await ask(client, email="r1-0@rehearsal.invalid")

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "email"
    assert "cannot receive mail" in answer.json()["error"]["message"]
