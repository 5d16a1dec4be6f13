"""WHIP (RFC 9725) and WHEP as HTTP, the way an encoder or a player nobody here wrote sees it:
OPTIONS answers (CORS for our own origins, `Accept-Post`), the reserved methods answer 405 with
the right `Allow` on the endpoints and on the resources, the answer's `Link` headers carry the
asker's own TURN credentials, a missing token is a 401 with `WWW-Authenticate`, and an offer of
another type is a 415. Real aiortc offers over the app."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from aiortc import RTCPeerConnection, VideoStreamTrack
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import Role
from server.accounts.service import grant
from server.clock import FakeClock
from server.program.models import Session
from server.settings import Settings
from tests.factories import attendance_doc, load_program, signed_in

SPEAKER = {"Authorization": "Bearer speaker"}
ATTENDEE = {"Authorization": "Bearer attendee"}
SECRET = "a-secret-shared-with-coturn"
TTL = 6 * 3600  # seconds a TURN credential lives
STUN = "stun:stun.pavilion.test:3478"
TURNS = ["turn:turn.pavilion.test:3478?transport=udp", "turns:turn.pavilion.test:5349"]
OURS = "http://pavilion.test"  # the app's public_url
THEIRS = "https://elsewhere.example"
# What RFC 9725's drafts reserve for later versions (GET, HEAD, PUT on an endpoint; POST too on
# a resource), and PATCH: trickle ICE and ICE restarts, which this server does not take.
ENDPOINT_RESERVED = ["GET", "HEAD", "PUT", "PATCH"]
RESOURCE_RESERVED = ["GET", "HEAD", "POST", "PUT", "PATCH"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    turn = {"ice_servers": [STUN, *TURNS], "turn_secret": SECRET, "turn_credential_seconds": TTL}
    return settings.model_copy(update=turn)


@dataclass
class Stage:
    session: int
    speaker: int  # user ids
    attendee: int

    def url(self, kind: str, resource: str | None = None) -> str:
        return f"/api/v1/stage/{self.session}/{kind}" + (f"/{resource}" if resource else "")


@pytest.fixture
async def stage(db: AsyncSession, clock: FakeClock) -> Stage:
    await load_program(db, clock, attendance_doc())
    session = (await db.exec(select(Session).where(Session.slug == "round-table"))).one()
    speaker = await signed_in(db, clock, "speaker@stage.test", SPEAKER)
    attendee = await signed_in(db, clock, "attendee@stage.test", ATTENDEE)
    await grant(db, speaker, Role.speaker, session_id=session.id)
    await db.commit()
    assert session.id is not None and speaker.id is not None and attendee.id is not None
    return Stage(session.id, speaker.id, attendee.id)


@pytest.fixture
async def offer() -> AsyncIterator[str]:
    """An SDP offer sending video, as an encoder makes it."""
    pc = RTCPeerConnection()
    pc.addTransceiver(VideoStreamTrack(), direction="sendrecv")
    await pc.setLocalDescription(await pc.createOffer())
    assert pc.localDescription is not None
    yield pc.localDescription.sdp
    await pc.close()


def _sdp(who: dict[str, str], **more: str) -> dict[str, str]:
    return {**who, "Content-Type": "application/sdp", **more}


_LINK = re.compile(r"^<(?P<target>[^>]*)>(?P<params>.*)$")
_PARAM = re.compile(r';\s*(?P<name>[\w-]+)="(?P<value>(?:[^"\\]|\\.)*)"')


def _links(response: httpx.Response) -> list[dict[str, str]]:
    """Every `Link` header field (RFC 8288), as {"target": …, "rel": …, its other attributes}."""
    parsed = []
    for field in response.headers.get_list("link"):
        found = _LINK.match(field.strip())
        assert found is not None, field
        params = {m["name"]: m["value"] for m in _PARAM.finditer(found["params"])}
        parsed.append({"target": found["target"], **params})
    return parsed


def _expected_links(now: int, user_id: int) -> list[dict[str, str]]:
    """The servers as RFC 9725 section 4.6 spells them, with coturn's REST-API credential for
    this person (`<expiry>:<user id>`, base64 HMAC-SHA1 of it under the shared secret)."""
    username = f"{now + TTL}:{user_id}"
    digest = hmac.new(SECRET.encode(), username.encode(), hashlib.sha1).digest()
    turn = {
        "rel": "ice-server",
        "username": username,
        "credential": base64.b64encode(digest).decode(),
        "credential-type": "password",
    }
    return [{"target": STUN, "rel": "ice-server"}] + [{"target": url, **turn} for url in TURNS]


# --- OPTIONS and CORS ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["whip", "whep"])
async def test_options_on_an_endpoint_answers_a_preflight_from_our_origins(
    client: httpx.AsyncClient, stage: Stage, kind: str
) -> None:
    ask = {"Access-Control-Request-Method": "POST"}
    ask["Access-Control-Request-Headers"] = "authorization, content-type"
    ours = await client.options(stage.url(kind), headers={"Origin": OURS, **ask})
    theirs = await client.options(stage.url(kind), headers={"Origin": THEIRS, **ask})

    assert ours.status_code == 200
    assert {name: ours.headers.get(name) for name in _PREFLIGHT} == {
        "allow": "OPTIONS, POST",
        "accept-post": "application/sdp",
        "access-control-allow-origin": OURS,
        "access-control-allow-methods": "OPTIONS, POST",
        "access-control-allow-headers": "Authorization, Content-Type",
        "vary": "Origin",
    }
    assert _links(ours) == []  # a preflight carries no token: no TURN credentials
    assert theirs.status_code == 200
    assert {name: theirs.headers.get(name) for name in _PREFLIGHT} == {
        "allow": "OPTIONS, POST",
        "accept-post": "application/sdp",
        "access-control-allow-origin": None,
        "access-control-allow-methods": None,
        "access-control-allow-headers": None,
        "vary": "Origin",
    }


_PREFLIGHT = [
    "allow",
    "accept-post",
    "access-control-allow-origin",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "vary",
]


async def test_options_on_a_resource_answers_a_preflight_for_delete(
    client: httpx.AsyncClient, stage: Stage
) -> None:
    ask = {"Origin": OURS, "Access-Control-Request-Method": "DELETE"}
    answers = [await client.options(stage.url(k, "abc"), headers=ask) for k in ("whip", "whep")]

    for answer in answers:
        assert answer.status_code == 200
        assert answer.headers["allow"] == "DELETE, OPTIONS"
        assert "accept-post" not in answer.headers  # nothing is posted to a resource
        assert answer.headers["access-control-allow-methods"] == "DELETE, OPTIONS"
        assert answer.headers["access-control-allow-origin"] == OURS


async def test_options_with_a_token_tells_that_person_their_stun_and_turn_servers(
    client: httpx.AsyncClient, stage: Stage, clock: FakeClock
) -> None:
    signed = await client.options(stage.url("whip"), headers=SPEAKER)
    anonymous = await client.options(stage.url("whip"))

    assert signed.status_code == 200
    assert _links(signed) == _expected_links(int(clock.now().timestamp()), stage.speaker)
    assert (anonymous.status_code, _links(anonymous)) == (200, [])


async def test_a_page_of_our_origin_may_read_the_answer_and_its_errors(
    client: httpx.AsyncClient, stage: Stage, offer: str
) -> None:
    published = await client.post(
        stage.url("whip"), content=offer, headers=_sdp(SPEAKER, Origin=OURS)
    )
    refused = await client.post(stage.url("whip"), content=offer, headers=_sdp({}, Origin=OURS))
    elsewhere = await client.post(
        stage.url("whip"), content=offer, headers=_sdp(SPEAKER, Origin=THEIRS)
    )
    left = await client.delete(published.headers["location"], headers={**SPEAKER, "Origin": OURS})

    exposed = "Location, Link, Retry-After, WWW-Authenticate"
    for answer, status in ((published, 201), (refused, 401), (left, 204)):
        assert answer.status_code == status
        assert answer.headers["access-control-allow-origin"] == OURS
        assert answer.headers["access-control-expose-headers"] == exposed
    assert "access-control-allow-credentials" not in published.headers  # bearer tokens only
    assert elsewhere.status_code == 201  # not a browser's request: CORS is the browser's check
    assert "access-control-allow-origin" not in elsewhere.headers


# --- reserved methods ----------------------------------------------------------------------


RESERVED = [(k, None, m, "OPTIONS, POST") for k in ("whip", "whep") for m in ENDPOINT_RESERVED] + [
    (k, "abc", m, "DELETE, OPTIONS") for k in ("whip", "whep") for m in RESOURCE_RESERVED
]


async def test_a_reserved_method_answers_405_naming_what_the_path_takes(
    client: httpx.AsyncClient, stage: Stage
) -> None:
    """Every reserved method on both endpoints and both kinds of resource (one app for the
    whole table: each case is one request)."""
    found, expected = [], []
    for kind, resource, method, allow in RESERVED:
        answer = await client.request(method, stage.url(kind, resource), headers=SPEAKER)
        code = answer.json()["error"]["code"] if method != "HEAD" else "method_not_allowed"
        said = (answer.status_code, answer.headers.get("allow"), code)
        found.append((kind, resource, method, *said))
        expected.append((kind, resource, method, 405, allow, "method_not_allowed"))
    assert found == expected


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/api/v1/forums", "GET"),
        ("GET", "/api/v1/auth/login", "POST"),
        ("POST", "/api/v1/stage/1", "GET"),
    ],
)
async def test_no_api_path_is_answered_by_the_web_uis_files(
    client: httpx.AsyncClient, method: str, path: str, allow: str
) -> None:
    """The files at `/` would say `Allow: GET, HEAD` of any path (and 404 any GET)."""
    wrong_method = await client.request(method, path)
    unknown = await client.put("/api/v1/nothing-here")

    assert (wrong_method.status_code, wrong_method.headers["allow"]) == (405, allow)
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "not_found")
    assert "allow" not in unknown.headers


# --- the answer's Link headers -------------------------------------------------------------


async def test_the_whip_answer_links_the_publishers_own_turn_credentials(
    client: httpx.AsyncClient, stage: Stage, offer: str, clock: FakeClock
) -> None:
    answer = await client.post(stage.url("whip"), content=offer, headers=_sdp(SPEAKER))

    assert answer.status_code == 201
    assert answer.headers["location"].startswith(stage.url("whip") + "/")
    assert _links(answer) == _expected_links(int(clock.now().timestamp()), stage.speaker)


async def test_the_whep_answer_links_the_viewers_own_turn_credentials(
    client: httpx.AsyncClient, stage: Stage, clock: FakeClock
) -> None:
    viewer = RTCPeerConnection()
    viewer.addTransceiver("video", direction="recvonly")
    await viewer.setLocalDescription(await viewer.createOffer())
    assert viewer.localDescription is not None
    try:
        answer = await client.post(
            stage.url("whep"), content=viewer.localDescription.sdp, headers=_sdp(ATTENDEE)
        )
    finally:
        await viewer.close()

    assert answer.status_code == 201
    assert _links(answer) == _expected_links(int(clock.now().timestamp()), stage.attendee)


# --- 401 and 415 ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["whip", "whep"])
async def test_a_request_without_a_valid_token_is_told_to_bring_a_bearer_token(
    client: httpx.AsyncClient, stage: Stage, offer: str, kind: str
) -> None:
    nobody = await client.post(stage.url(kind), content=offer, headers=_sdp({}))
    stale = await client.post(
        stage.url(kind), content=offer, headers=_sdp({"Authorization": "Bearer nobody"})
    )
    leaving = await client.delete(stage.url(kind, "abc"))

    for answer in (nobody, stale, leaving):
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == 'Bearer realm="pavilion"'
        assert answer.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("kind", ["whip", "whep"])
async def test_an_offer_of_another_type_is_415_naming_the_content_type(
    client: httpx.AsyncClient, stage: Stage, offer: str, kind: str
) -> None:
    as_json = await client.post(
        stage.url(kind), json={"sdp": offer}, headers={**SPEAKER, "Origin": OURS}
    )
    as_text = await client.post(
        stage.url(kind), content=offer, headers={**SPEAKER, "Content-Type": "text/plain"}
    )

    for answer in (as_json, as_text):
        assert answer.status_code == 415
        assert answer.json() == {
            "error": {
                "code": "unsupported_media_type",
                "message": "content-type: send the offer as application/sdp",
                "field": "content-type",
            }
        }
    assert as_json.headers["access-control-allow-origin"] == OURS
