"""Signing up in a test as a person does: ask, find the link in the mail queued to the
address, follow it (which makes the account and signs in)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlmodel import col, select

from server.db import Database
from server.mail.models import OutboxMail

LINK = re.compile(r"[?&]view=signup&token=([A-Za-z0-9_-]+)")
URL = re.compile(r"https?://\S*[?&]view=signup&token=\S+")


def signup_token(body: str) -> str | None:
    """The token of the sign-up link in a message's text, if it has one."""
    found = LINK.search(body)
    return found.group(1) if found else None


async def _queued(database_url: str) -> list[OutboxMail]:
    database = Database(database_url)
    try:
        async with database.session() as db:
            return list((await db.exec(select(OutboxMail).order_by(col(OutboxMail.id)))).all())
    finally:
        await database.dispose()


async def mailed_signup_tokens(database_url: str) -> dict[str, str]:
    """Address -> the token of the newest sign-up link queued to it."""
    tokens: dict[str, str] = {}
    for mail in await _queued(database_url):
        token = signup_token(mail.body)
        if token is not None:
            tokens[mail.to_email] = token
    return tokens


async def mailed_signup_link(database_url: str, email: str) -> str:
    """The newest sign-up link queued to `email`, whole (a browser opens it)."""
    links = [
        found[0]
        for mail in await _queued(database_url)
        if mail.to_email == email.lower() and (found := URL.search(mail.body))
    ]
    assert links, f"no sign-up link was mailed to {email}"
    return links[-1]


async def sign_up(client: httpx.AsyncClient, database_url: str, **details: Any) -> httpx.Response:
    """Sign up with `details` and follow the mailed link: the answer that signed in."""
    asked = await client.post("/api/v1/auth/signup", json=details)
    assert asked.status_code == 202, asked.text
    token = (await mailed_signup_tokens(database_url))[str(details["email"]).lower()]
    return await client.post("/api/v1/auth/signup/confirm", json={"token": token})
