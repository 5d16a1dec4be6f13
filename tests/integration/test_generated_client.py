"""A client nobody here wrote: openapi-python-client generates one from the live server's
/openapi.json, and its calls to five representative routes come back as its own typed attrs
classes, with nothing left over in `additional_properties` (what it does with fields the
document does not describe); and it publishes a real SDP offer to the stage over WHIP."""

from __future__ import annotations

import importlib
import io
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import httpx
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from sqlmodel import select

from server.accounts.models import Role
from server.accounts.service import grant
from server.app import create_app
from server.clock import FakeClock
from server.db import Database
from server.migrate import upgrade
from server.program.models import Session
from tests.factories import attendance_doc, load_program, make_user, marathon_doc, signed_in
from tests.integration.conftest import room_settings
from tests.servers import serve_in_thread

PACKAGE = "pavilion_client"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"
SPEAKER = "speaker-token"  # a speaker of the round table
# The generator knows JSON, forms and octet-stream bodies; its documented option maps another
# media type onto one of those (the client still sends and expects application/sdp).
GENERATOR_CONFIG = "content_type_overrides:\n  application/sdp: application/octet-stream\n"


def _program() -> dict[str, Any]:
    """The marathon's relay and the attendance sessions, in one forum."""
    doc = marathon_doc(positions={"jakarta": 1}, windows={"cairo": "09:00-15:00"})
    doc["sessions"] += attendance_doc()["sessions"]
    return doc


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the module (its tests only add a visitor): the forum seeded, the clock
    a week before the marathon."""
    clock = FakeClock(datetime(2027, 3, 20, 9, tzinfo=UTC))
    settings = room_settings(
        tmp_path_factory.mktemp("server"),
        ice_servers=["stun:stun.pavilion.test:3478", "turn:turn.pavilion.test:3478"],
        turn_secret="a-secret-shared-with-coturn",
    )

    async def seed() -> None:
        await upgrade(settings.database_url)
        database = Database(settings.database_url)
        try:
            async with database.session() as db:
                await load_program(db, clock, _program())
                speaker = await signed_in(
                    db, clock, "speaker@pavilion.test", {"Authorization": f"Bearer {SPEAKER}"}
                )
                table = (await db.exec(select(Session).where(Session.slug == "round-table"))).one()
                await grant(db, speaker, Role.speaker, session_id=table.id)
                await make_user(db, clock, "visitor@pavilion.test")  # who signs up again
                await db.commit()
        finally:
            await database.dispose()

    with serve_in_thread(create_app(settings, clock=clock), seed) as url:
        yield url


@pytest.fixture(scope="module")
def client_package(server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The package generated from the server's document, imported (and forgotten after)."""
    tmp_path = tmp_path_factory.mktemp("client")
    document = tmp_path / "openapi.json"
    document.write_bytes(httpx.get(f"{server}/openapi.json").content)
    out = tmp_path / "generated"
    out.mkdir()
    config = tmp_path / "config.yaml"
    config.write_text(GENERATOR_CONFIG)
    command = [str(GENERATOR), "generate", "--path", str(document), "--meta", "none"]
    command += ["--output-path", str(out / PACKAGE), "--config", str(config)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Unable to" not in run.stdout, run.stdout  # a schema it could not turn into a class
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _leftovers(value: Any, where: str = "answer") -> list[str]:
    """Every generated object under `value` holding fields its class does not describe."""
    if isinstance(value, list):
        return [f for i, item in enumerate(value) for f in _leftovers(item, f"{where}[{i}]")]
    if not attrs.has(type(value)):
        return []
    # A class for a model with extra fields forbidden has no such bag at all.
    extra = getattr(value, "additional_properties", {})
    found = [f"{where}: {sorted(extra)}"] if extra else []
    for field in attrs.fields(type(value)):
        if field.name != "additional_properties":
            found += _leftovers(getattr(value, field.name), f"{where}.{field.name}")
    return found


def _call(module: str, **arguments: Any) -> Any:
    return importlib.import_module(f"{PACKAGE}.api.{module}").sync(**arguments)


def _as_visitor(package: ModuleType, server: str) -> tuple[Any, Any, Any]:
    """The program, a new account, and the marathon day (no sign-in needed)."""
    models = importlib.import_module(f"{PACKAGE}.models")
    with package.Client(base_url=server, raise_on_unexpected_status=True) as client:
        program = _call(
            "program.get_program_api_v1_forums_forum_program_get", forum="test-forum", client=client
        )
        body = models.SignupIn(email="visitor@pavilion.test", password="correct-horse-9", name="V")
        asked = _call("accounts.signup_api_v1_auth_signup_post", client=client, body=body)
        assert isinstance(asked, models.SignupRequested) and _leftovers(asked) == []
        login = models.LoginIn(email="visitor@pavilion.test", password="correct-horse-9")
        signed = _call("accounts.login_api_v1_auth_login_post", client=client, body=login)
        marathon = _call(
            "marathon.get_marathon_api_v1_forums_forum_marathons_marathon_get",
            forum="test-forum",
            marathon="relay",
            client=client,
        )
    return program, signed, marathon


def _as_attendee(package: ModuleType, server: str, token: str, session: int) -> tuple[Any, Any]:
    """Register for `session`, then read my registration and my ICE servers."""
    models = importlib.import_module(f"{PACKAGE}.models")
    with package.AuthenticatedClient(
        base_url=server, token=token, raise_on_unexpected_status=True
    ) as client:
        _call(
            "attendance.register_api_v1_sessions_session_registrations_post",
            session=session,
            client=client,
            body=models.RegisterIn(mode=models.Mode.ONSITE),
        )
        mine = _call(
            "attendance.my_registration_api_v1_sessions_session_registrations_me_get",
            session=session,
            client=client,
        )
        ice = _call("rooms.my_ice_servers_api_v1_rtc_ice_servers_get", client=client)
    return mine, ice


def test_a_generated_client_gets_typed_answers(client_package: ModuleType, server: str) -> None:
    models = importlib.import_module(f"{PACKAGE}.models")

    program, signed, marathon = _as_visitor(client_package, server)
    table = next(s for d in program.days for s in d.sessions if s.slug == "round-table")
    mine, ice = _as_attendee(client_package, server, signed.token, table.id)

    assert isinstance(program, models.ProgramPublic)
    assert isinstance(table.starts_at, str)  # the program's own form, as its schema says
    assert (table.status, table.capacity.onsite) == (models.SessionStatus.SCHEDULED, 30)
    assert isinstance(signed, models.SignedInPublic)
    assert (signed.user.email, signed.user.name) == ("visitor@pavilion.test", "Visitor")
    assert isinstance(mine, models.RegistrationPublic)
    assert (mine.session, mine.status, mine.mode) == (
        table.id,
        models.Status.CONFIRMED,
        models.Mode.ONSITE,
    )
    assert (mine.position, mine.offer_expires_at) == (None, None)
    assert isinstance(marathon, models.MarathonPublic)
    assert marathon.now == datetime(2027, 3, 20, 9, tzinfo=UTC)
    assert [s.city for s in marathon.segments] == ["Jakarta", "Cairo", "Buenos Aires"]
    assert marathon.segments[0].starts_at == datetime(2027, 3, 28, 8, 40, tzinfo=UTC)
    assert marathon.segments[0].status == models.SessionStatus.SCHEDULED
    assert isinstance(marathon.next_, models.NextSegment)
    assert isinstance(ice, models.IceServersPublic)
    assert ice.ice_servers[0].urls == "stun:stun.pavilion.test:3478"
    assert ice.ice_servers[1].urls == ["turn:turn.pavilion.test:3478"]
    assert isinstance(ice.ice_servers[1].username, str)
    assert isinstance(ice.ice_servers[1].credential, str)
    for answer in (program, signed, mine, marathon, ice):
        assert _leftovers(answer) == []


def test_a_generated_client_reads_the_error_envelope(
    client_package: ModuleType, server: str
) -> None:
    models = importlib.import_module(f"{PACKAGE}.models")

    with client_package.Client(base_url=server) as client:
        missing = _call(
            "marathon.get_marathon_api_v1_forums_forum_marathons_marathon_get",
            forum="test-forum",
            marathon="nope",
            client=client,
        )

    assert isinstance(missing, models.ErrorPublic)
    assert (missing.error.code, missing.error.field) == (models.ErrorCode.NOT_FOUND, "marathon")
    assert _leftovers(missing) == []


async def test_a_generated_client_publishes_an_offer_over_whip(
    client_package: ModuleType, server: str
) -> None:
    types = importlib.import_module(f"{PACKAGE}.types")
    publish = importlib.import_module(
        f"{PACKAGE}.api.stage.whip_publish_api_v1_stage_session_whip_post"
    )
    encoder = RTCPeerConnection()
    encoder.addTransceiver(VideoStreamTrack(), direction="sendonly")
    await encoder.setLocalDescription(await encoder.createOffer())
    assert encoder.localDescription is not None
    offer = types.File(payload=io.BytesIO(encoder.localDescription.sdp.encode()))
    try:
        with client_package.AuthenticatedClient(base_url=server, token=SPEAKER) as client:
            program = _call(
                "program.get_program_api_v1_forums_forum_program_get",
                forum="test-forum",
                client=client,
            )
            table = next(s for d in program.days for s in d.sessions if s.slug == "round-table")
            answer = publish.sync_detailed(session=table.id, client=client, body=offer)
        await encoder.setRemoteDescription(RTCSessionDescription(answer.parsed.decode(), "answer"))
    finally:
        await encoder.close()

    assert answer.status_code == 201
    assert answer.headers["content-type"] == "application/sdp"
    assert answer.headers["location"].startswith(f"/api/v1/stage/{table.id}/whip/")
    assert answer.parsed.startswith(b"v=0\r\n") and b"a=candidate" in answer.parsed
