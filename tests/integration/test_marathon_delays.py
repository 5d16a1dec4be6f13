"""Delays from the marathon's controls: a preview that stores nothing, and the people
registered for every segment that moves told once (a notice, a push to their own room, a
mail unless they turned that kind of mail off).

The test relay (as in test_marathon_api.py): Jakarta 08:40-10:10Z, Cairo 10:20-11:50Z
(window 09:00-15:00 EET, i.e. until 13:00Z), Buenos Aires 12:00-13:30Z, on 28 March 2027.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import icalendar
import pytest
from sqlmodel import col, select

from server.accounts.models import Role, User
from server.accounts.service import grant
from server.app import create_app
from server.clock import FakeClock
from server.db import Database
from server.migrate import upgrade
from server.notices.models import Notice
from server.program.models import Session
from server.program.service import get_forum
from server.realtime.bus import Bus
from server.settings import Settings
from tests.factories import load_program, marathon_doc, signed_in
from tests.integration.conftest import room_settings
from tests.roomclient import RoomClient, numbered
from tests.servers import serve_here
from tests.smtp_server import Inbox

RELAY = "/api/v1/forums/test-forum/marathons/relay"
ORGANISER = "organiser-token-for-delays"
ATTENDEE = "attendee-token-for-delays"
QUIET = "quiet-attendee-token-for-delays"  # turned off mail about delays
EARLY = "early-attendee-token-for-delays"  # registered for the live segment only
OUTSIDER = "outsider-token-for-delays"
ON_AIR = datetime(2027, 3, 28, 9, 0, tzinfo=UTC)  # Jakarta is live
SWEEP = timedelta(seconds=6)  # past the mail sweeper's 5 s
SENDER = "Pavilion <no-reply@pavilion.test>"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class Relay:
    http: httpx.AsyncClient
    url: str
    database: Database
    bus: Bus
    sessions: dict[str, int]  # city → session id
    segments: dict[str, int]  # city → segment id
    users: dict[str, int]  # token → user id


@pytest.fixture
def settings(tmp_path: Path, smtp_port: int) -> Settings:
    return room_settings(tmp_path, smtp_url=f"smtp://127.0.0.1:{smtp_port}", mail_from=SENDER)


@pytest.fixture
async def relay(settings: Settings, clock: FakeClock, inbox: Inbox) -> AsyncIterator[Relay]:
    """The relay served in this loop, with its people registered: the attendee for Cairo and
    Buenos Aires, the quiet one for Cairo, the early one for Jakarta."""
    await upgrade(settings.database_url)
    app = create_app(settings, clock=clock)
    async with serve_here(app) as url, httpx.AsyncClient(base_url=url) as http:
        users = await _people(app.state.db, clock)
        clock.set(ON_AIR)
        body = (await http.get(RELAY)).json()
        found = Relay(
            http=http,
            url=url,
            database=app.state.db,
            bus=app.state.bus,
            sessions={s["city"]: s["session"] for s in body["segments"]},
            segments={s["city"]: s["id"] for s in body["segments"]},
            users=users,
        )
        for token, cities in (
            (ATTENDEE, ["Cairo", "Buenos Aires"]),
            (QUIET, ["Cairo"]),
            (EARLY, ["Jakarta"]),
        ):
            for city in cities:
                registered = await http.post(
                    f"/api/v1/sessions/{found.sessions[city]}/registrations",
                    json={"mode": "online"},
                    headers=bearer(token),
                )
                assert registered.status_code in (200, 201), registered.text
        yield found


async def _people(database: Database, clock: FakeClock) -> dict[str, int]:
    async with database.session() as db:
        await load_program(
            db, clock, marathon_doc(positions={"jakarta": 1}, windows={"cairo": "09:00-15:00"})
        )
        forum = await get_forum(db, "test-forum")
        users = {}
        for index, token in enumerate((ORGANISER, ATTENDEE, QUIET, EARLY, OUTSIDER)):
            user = await signed_in(db, clock, f"person{index}@delays.test", bearer(token))
            users[token] = user.id
            if token == QUIET:
                user.mail_off = ["session_delayed"]
                db.add(user)
        organiser = await db.get(User, users[ORGANISER])
        assert organiser is not None
        await grant(db, organiser, Role.organiser, forum_id=forum.id)
        await db.commit()
        return users


async def day(relay: Relay) -> dict[str, Any]:
    response = await relay.http.get(RELAY)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def times(body: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {s["city"]: (s["starts_at"][11:16], s["ends_at"][11:16]) for s in body["segments"]}


async def sequences(relay: Relay) -> dict[str, int]:
    feed = await relay.http.get("/api/v1/forums/test-forum/program.ics")
    calendar = icalendar.Calendar.from_ical(feed.content)
    return {str(e["SUMMARY"]): int(e["SEQUENCE"]) for e in calendar.walk("VEVENT")}


async def notices(relay: Relay) -> list[tuple[int, str, str, dict[str, Any], bool]]:
    async with relay.database.session() as db:
        found = (await db.exec(select(Notice).order_by(col(Notice.id)))).all()
    return [(n.user_id, n.kind.value, n.key, n.data, n.mailed) for n in found]


async def sequence_of(relay: Relay, city: str) -> int:
    async with relay.database.session() as db:
        session = await db.get(Session, relay.sessions[city])
        assert session is not None
        return session.sequence


PLANNED = {
    "Jakarta": ("08:40", "10:10"),
    "Cairo": ("10:20", "11:50"),
    "Buenos Aires": ("12:00", "13:30"),
}


def preview_path(relay: Relay, city: str = "Jakarta") -> str:
    return f"{RELAY}/segments/{relay.segments[city]}/delay/preview"


async def test_the_preview_shows_the_new_times_and_changes_nothing(relay: Relay) -> None:
    calendars = await sequences(relay)
    history = await relay.bus.history("forum:test-forum") or []

    response = await relay.http.post(
        preview_path(relay),
        json={"minutes": 20},
        params={"tz": "Europe/Berlin"},
        headers=bearer(ORGANISER),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert [
        (
            s["city"],
            s["position"],
            s["was_starts_at"],
            s["starts_at"],
            s["ends_at"],
            s["moved_minutes"],
        )
        for s in body["segments"]
    ] == [
        ("Jakarta", 1, "2027-03-28T08:40:00Z", "2027-03-28T08:40:00Z", "2027-03-28T10:30:00Z", 0),
        ("Cairo", 2, "2027-03-28T10:20:00Z", "2027-03-28T10:40:00Z", "2027-03-28T12:10:00Z", 20),
        (
            "Buenos Aires",
            3,
            "2027-03-28T12:00:00Z",
            "2027-03-28T12:20:00Z",
            "2027-03-28T13:50:00Z",
            20,
        ),
    ]
    cairo = body["segments"][1]
    assert (cairo["viewer"]["start"], cairo["viewer"]["abbr"]) == (
        "2027-03-28T12:40:00+02:00",
        "CEST",
    )
    assert cairo["was_viewer"]["start"] == "2027-03-28T12:20:00+02:00"
    assert (cairo["host"]["city"], cairo["host"]["start"]) == ("Cairo", "2027-03-28T12:40:00+02:00")
    assert (body["minutes"], body["accept_shorter"], body["shortened"]) == (20, False, [])
    assert times(await day(relay)) == PLANNED
    assert await sequences(relay) == calendars
    assert (await relay.bus.history("forum:test-forum") or []) == history
    assert await notices(relay) == []


async def test_the_preview_names_the_host_that_would_fall_out_of_its_hours(relay: Relay) -> None:
    refused = await relay.http.post(
        preview_path(relay), json={"minutes": 80}, headers=bearer(ORGANISER)
    )
    shorter = await relay.http.post(
        preview_path(relay), json={"minutes": 80, "accept_shorter": True}, headers=bearer(ORGANISER)
    )

    assert refused.status_code == 422
    error = refused.json()["error"]
    assert (error["code"], error["host"], error["segment"], error["field"]) == (
        "no_plan",
        "Cairo",
        relay.segments["Cairo"],
        "minutes",
    )
    assert "Cairo would be on air 13:40 EET–15:10 EET" in error["message"]
    assert shorter.status_code == 200, shorter.text
    assert shorter.json()["shortened"] == [
        {"segment": relay.segments["Cairo"], "city": "Cairo", "from": 90, "to": 80}
    ]
    assert times(await day(relay)) == PLANNED


@pytest.mark.parametrize(("token", "status"), [(None, 401), (OUTSIDER, 403), (ATTENDEE, 403)])
async def test_the_preview_is_for_organisers_and_the_segments_moderators(
    relay: Relay, token: str | None, status: int
) -> None:
    headers = bearer(token) if token else {}

    response = await relay.http.post(preview_path(relay), json={"minutes": 10}, headers=headers)

    assert response.status_code == status


async def test_the_preview_of_a_segment_not_on_air_is_refused_like_the_delay(relay: Relay) -> None:
    response = await relay.http.post(
        preview_path(relay, "Cairo"), json={"minutes": 10}, headers=bearer(ORGANISER)
    )

    assert response.status_code == 409
    assert response.json()["error"]["message"].startswith("segment: Cairo is not on air now")


async def own_room(relay: Relay, token: str) -> RoomClient:
    client = await RoomClient.open(relay.url, token)
    await client.join(f"user:{relay.users[token]}")
    return client


def pushed(client: RoomClient, room: str) -> list[dict[str, Any]]:
    return [p["data"] for p in numbered(client.pushes[room]) if p["type"] == "notice"]


async def test_a_delay_tells_the_registered_of_each_later_segment_once(
    relay: Relay, clock: FakeClock, inbox: Inbox
) -> None:
    sockets = {token: await own_room(relay, token) for token in (ATTENDEE, QUIET, EARLY)}
    try:
        response = await relay.http.post(
            f"{RELAY}/segments/{relay.segments['Jakarta']}/delay",
            json={"minutes": 20},
            headers=bearer(ORGANISER),
        )
        assert response.status_code == 200, response.text
        attendee, quiet = relay.users[ATTENDEE], relay.users[QUIET]
        await sockets[ATTENDEE].wait_for(
            lambda: len(pushed(sockets[ATTENDEE], f"user:{attendee}")) == 2
        )
        await sockets[QUIET].wait_for(lambda: len(pushed(sockets[QUIET], f"user:{quiet}")) == 1)
        for client in sockets.values():
            await client.ok("ping")  # anything pushed to them has arrived
        clock.advance(SWEEP)
        mails = await inbox.wait(2)
        clock.advance(SWEEP)
        await sockets[ATTENDEE].ok("ping")
    finally:
        for client in sockets.values():
            await client.close()

    cairo, aires = relay.sessions["Cairo"], relay.sessions["Buenos Aires"]
    keys = {
        cairo: f"delayed:{cairo}:{await sequence_of(relay, 'Cairo')}",
        aires: f"delayed:{aires}:{await sequence_of(relay, 'Buenos Aires')}",
    }
    told = [
        (user, kind, key, data["minutes"], mailed)
        for user, kind, key, data, mailed in await notices(relay)
    ]
    assert sorted(told) == sorted(
        [
            (attendee, "session_delayed", keys[cairo], 20, True),
            (quiet, "session_delayed", keys[cairo], 20, False),
            (attendee, "session_delayed", keys[aires], 20, True),
        ]
    )
    assert sorted(
        (n["kind"], n["session"], n["data"]["minutes"])
        for n in pushed(sockets[ATTENDEE], f"user:{attendee}")
    ) == [
        ("session_delayed", cairo, 20),
        ("session_delayed", aires, 20),
    ]
    assert [
        (n["session"], n["data"]["starts_at"]) for n in pushed(sockets[QUIET], f"user:{quiet}")
    ] == [(cairo, "2027-03-28T10:40:00Z")]
    assert pushed(sockets[EARLY], f"user:{relay.users[EARLY]}") == []
    assert len(inbox.messages) == 2  # the quiet one turned delay mail off; nobody twice
    assert sorted(m["Subject"] for m in mails) == [
        "Delayed by 20 min: Relay · Buenos Aires",
        "Delayed by 20 min: Relay · Cairo",
    ]
    assert [rcpt for rcpt, _ in inbox.messages] == [["person1@delays.test"]] * 2
    body = mails[0].get_body(("plain",)).get_content()
    assert "http://pavilion.test/?forum=test-forum&session=" in body


async def test_ending_early_tells_those_whose_segment_moves_earlier(
    relay: Relay, clock: FakeClock, inbox: Inbox
) -> None:
    clock.set(ON_AIR + timedelta(seconds=20))

    response = await relay.http.post(
        f"{RELAY}/segments/{relay.segments['Jakarta']}/end", headers=bearer(ORGANISER)
    )

    assert response.status_code == 200, response.text
    assert times(response.json())["Buenos Aires"] == PLANNED["Buenos Aires"]  # it cannot move
    cairo = relay.sessions["Cairo"]
    key = f"moved:{cairo}:{await sequence_of(relay, 'Cairo')}"
    moved = {"was_starts_at": "2027-03-28T10:20:00Z", "starts_at": "2027-03-28T09:11:00Z"}
    assert sorted(
        (user, kind, k, {name: data[name] for name in moved}, mailed)
        for user, kind, k, data, mailed in await notices(relay)
    ) == sorted(
        [
            (relay.users[ATTENDEE], "session_moved", key, moved, True),
            (relay.users[QUIET], "session_moved", key, moved, True),  # only delays are off
        ]
    )
    clock.advance(SWEEP)
    mails = await inbox.wait(2)
    assert sorted(m["Subject"] for m in mails) == ["New time: Relay · Cairo"] * 2
