"""The STUN/TURN servers offered to browsers: TURN credentials are per person and short-lived,
and only for the signed in."""

from __future__ import annotations

import base64
import hashlib
import hmac

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import FakeClock
from server.settings import Settings
from tests.factories import signed_in

ME = {"Authorization": "Bearer caller"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "ice_servers": ["stun:turn.pavilion.test:3478", "turn:turn.pavilion.test:3478"],
            "turn_secret": "shared-with-coturn",
            "turn_credential_seconds": 600,
        }
    )


async def test_a_signed_in_person_gets_turn_credentials_of_their_own(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock
) -> None:
    person = await signed_in(db, clock, "caller@rtc.test", ME)
    await db.commit()

    anonymous = await client.get("/api/v1/rtc/ice-servers")
    mine = (await client.get("/api/v1/rtc/ice-servers", headers=ME)).json()["ice_servers"]

    assert anonymous.status_code == 401
    stun, turn = mine
    assert stun == {"urls": "stun:turn.pavilion.test:3478"}
    assert turn["urls"] == ["turn:turn.pavilion.test:3478"]
    expiry, user = turn["username"].split(":")
    assert (int(expiry), int(user)) == (int(clock.now().timestamp()) + 600, person.id)
    # What coturn checks with --use-auth-secret: the HMAC of the username under the secret.
    expected = hmac.new(b"shared-with-coturn", turn["username"].encode(), hashlib.sha1).digest()
    assert base64.b64decode(turn["credential"]) == expected
