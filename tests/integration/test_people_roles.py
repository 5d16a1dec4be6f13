"""People and roles: organisers grant and withdraw roles by email, people without an account are
invited and can sign in through the mailed link, a withdrawn role stops working at once (open
sockets too), and a stand's staff manage their own team."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import yaml
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from typer.testing import CliRunner

from server.accounts.models import Grant, Role, User
from server.accounts.service import grant
from server.cli import app as cli
from server.clock import FakeClock
from server.expo.importer import import_pack
from server.expo.media import MediaStore
from server.expo.packs import read_pack
from server.mail.models import OutboxMail
from server.notices.models import Notice, NoticeKind
from server.program.models import Session
from server.program.service import get_forum
from server.settings import Settings
from tests.factories import attendance_doc, load_program, signed_in
from tests.rooms_world import World
from tests.showroom_packs import stand_doc, write_pack

ORGANISER = {"Authorization": "Bearer organiser-token-000000000000"}
MODERATOR = {"Authorization": "Bearer moderator-token-000000000000"}
ATTENDEE = {"Authorization": "Bearer attendee-token-0000000000000"}
ROLES = "/api/v1/forums/test-forum/roles"


@pytest.fixture
async def forum(db: AsyncSession, clock: FakeClock) -> dict[str, int]:
    """The attendance program; an organiser, the round table's moderator, an attendee."""
    await load_program(db, clock, attendance_doc())
    found = await get_forum(db, "test-forum")
    sessions = {s.slug: s.id for s in (await db.exec(select(Session))).all()}
    organiser = await signed_in(db, clock, "organiser@example.org", ORGANISER)
    moderator = await signed_in(db, clock, "moderator@example.org", MODERATOR)
    await signed_in(db, clock, "attendee@example.org", ATTENDEE)
    await grant(db, organiser, Role.organiser, forum_id=found.id)
    await grant(db, moderator, Role.moderator, session_id=sessions["round-table"])
    await db.commit()
    return {k: v for k, v in sessions.items() if v is not None}


def _ask(role: str, email: str, session: int | None = None, **more: object) -> dict[str, object]:
    return {"email": email, "role": role, "session": session, **more}


async def test_an_organiser_grants_every_role_and_a_new_person_is_invited_by_mail(
    client: httpx.AsyncClient, db: AsyncSession, forum: dict[str, int]
) -> None:
    table = forum["round-table"]
    asked = [
        _ask("organiser", "co-organiser@example.org"),
        _ask("door", "door@example.org", name="Дина", language="ru"),
        _ask("moderator", "new-moderator@example.org", table),
        _ask("speaker", "attendee@example.org", table),
    ]
    answers = [await client.post(ROLES, json=body, headers=ORGANISER) for body in asked]

    assert [a.status_code for a in answers] == [201, 201, 201, 201]
    assert [(a.json()["role"], a.json()["user"]["email"]) for a in answers] == [
        (str(b["role"]), b["email"]) for b in asked
    ]
    assert [a.json()["user"]["pending"] for a in answers] == [True, True, True, False]
    listed = (await client.get(ROLES, headers=ORGANISER)).json()["grants"]
    assert {(g["role"], g["user"]["email"]) for g in listed} >= {
        (str(b["role"]), b["email"]) for b in asked
    }
    mails = (await db.exec(select(OutboxMail).order_by(OutboxMail.id))).all()
    # New accounts get the invitation (which says what it is for); an existing one a notice.
    assert [m.to_email for m in mails] == [
        "co-organiser@example.org",
        "door@example.org",
        "new-moderator@example.org",
        "attendee@example.org",
    ]
    assert mails[3].subject == "You are a speaker: «Session round-table», Test Forum"
    assert mails[1].subject == "Ваша учётная запись: Тестовый форум"
    assert "контроль на входе" in mails[1].body
    # The mailed link chooses the password and signs the new moderator in, with the role.
    token = re.search(r"token=([\w-]+)", mails[2].body)
    assert token is not None
    chosen = await client.post(
        "/api/v1/auth/password", json={"token": token[1], "password": "a-new-password-1"}
    )
    assert chosen.status_code == 200
    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {chosen.json()['token']}"}
    )
    assert [(r["role"], r["session"]) for r in me.json()["roles"]] == [("moderator", table)]


async def test_only_the_forums_organisers_grant_or_withdraw(
    client: httpx.AsyncClient, forum: dict[str, int]
) -> None:
    body = _ask("speaker", "someone@example.org", forum["round-table"])
    given = await client.post(ROLES, json=body, headers=ORGANISER)
    refused = {
        name: [
            (await client.post(ROLES, json=body, headers=headers)).status_code,
            (await client.get(ROLES, headers=headers)).status_code,
            (await client.delete(f"{ROLES}/{given.json()['id']}", headers=headers)).status_code,
        ]
        for name, headers in (("moderator", MODERATOR), ("attendee", ATTENDEE), ("nobody", {}))
    }

    assert refused == {"moderator": [403] * 3, "attendee": [403] * 3, "nobody": [401] * 3}


async def test_a_role_needs_the_right_scope_and_bad_input_names_its_field(
    client: httpx.AsyncClient, db: AsyncSession, forum: dict[str, int]
) -> None:
    cases = [
        (_ask("moderator", "x@example.org"), 422, "session"),
        (_ask("door", "x@example.org", forum["round-table"]), 422, "session"),
        (_ask("speaker", "x@example.org", 999_999), 404, "session"),
        (_ask("speaker", "not-an-address", forum["round-table"]), 422, "email"),
        (_ask("emperor", "x@example.org"), 422, "role"),
    ]
    answers = [await client.post(ROLES, json=body, headers=ORGANISER) for body, *_ in cases]

    assert [(a.status_code, a.json()["error"].get("field")) for a in answers] == [
        (status, field) for _, status, field in cases
    ]
    assert (await db.exec(select(User).where(User.email == "x@example.org"))).first() is None


async def test_the_last_organiser_stays_and_a_withdrawal_tells_the_person(
    client: httpx.AsyncClient, db: AsyncSession, forum: dict[str, int]
) -> None:
    own = (await client.get(ROLES, headers=ORGANISER)).json()["grants"]
    mine = next(g for g in own if g["role"] == "organiser")
    kept = await client.delete(f"{ROLES}/{mine['id']}", headers=ORGANISER)
    moderator = next(g for g in own if g["role"] == "moderator")
    withdrawn = await client.delete(f"{ROLES}/{moderator['id']}", headers=ORGANISER)

    assert (kept.status_code, kept.json()["error"]["code"]) == (409, "conflict")
    assert withdrawn.json() == {"withdrawn": moderator["id"]}
    notices = (await db.exec(select(Notice.kind, Notice.data))).all()
    assert [(k, d["role"], d["scope_en"]) for k, d in notices] == [
        (NoticeKind.role_withdrawn, "moderator", "«Session round-table», Test Forum")
    ]
    assert (await db.exec(select(Grant).where(Grant.id == moderator["id"]))).first() is None


async def test_a_withdrawn_moderator_loses_the_backstage_and_moderation_on_an_open_socket(
    world: World, connect: object
) -> None:
    room = world.room("round-table")
    moderator = await connect("moderator")  # type: ignore[operator]
    await moderator.join(room)
    await moderator.join(f"{room}:staff")
    organiser = {"Authorization": f"Bearer {world.tokens['organiser']}"}
    async with httpx.AsyncClient(base_url=world.url) as http:
        grants = (await http.get(f"/api/v1/forums/{world.forum}/roles", headers=organiser)).json()
        given = next(
            g
            for g in grants["grants"]
            if g["role"] == "moderator" and g["session"]["id"] == world.sessions["round-table"]
        )
        before = await moderator.call("qa.pin", room, {"question": 1})
        await http.delete(f"/api/v1/forums/{world.forum}/roles/{given['id']}", headers=organiser)

    closed = await moderator.push(f"{room}:staff", "room.closed")
    after = await moderator.call("qa.pin", room, {"question": 1})
    still = await moderator.call("chat.send", room, {"text": "still an attendee"})

    assert before["error"]["code"] == "not_found"  # a moderator's op: only the question is amiss
    assert closed["data"] == {"room": f"{room}:staff", "code": "forbidden"}
    assert after["error"]["code"] == "forbidden"
    assert still["ok"] is True  # the public room stays theirs as an attendee


def test_the_command_line_grants_lists_and_withdraws(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAVILION_DATABASE_URL", database_url)
    monkeypatch.setenv("PAVILION_ENVIRONMENT", "test")
    monkeypatch.setenv("PAVILION_MEDIA_DIR", str(tmp_path / "media"))
    program = tmp_path / "program.yaml"
    program.write_text(yaml.safe_dump(attendance_doc(), allow_unicode=True), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(cli, ["program", "import", str(program)]).exit_code == 0

    given = runner.invoke(
        cli, ["roles", "grant", "test-forum", "cli@example.org", "speaker", "--session", "1"]
    )
    listed = runner.invoke(cli, ["roles", "list", "test-forum"])
    number = re.search(r"role (\d+):", given.output)
    assert number is not None, given.output
    withdrawn = runner.invoke(cli, ["roles", "withdraw", "test-forum", number[1]])
    after = runner.invoke(cli, ["roles", "list", "test-forum"])
    refused = runner.invoke(cli, ["roles", "grant", "test-forum", "cli@example.org", "speaker"])

    assert (given.exit_code, withdrawn.exit_code, refused.exit_code) == (0, 0, 2)
    assert "cli@example.org" in listed.output and "speaker" in listed.output
    assert "cli@example.org" not in after.output
    assert "session" in refused.output


async def test_a_stands_staff_add_and_remove_colleagues_themselves(
    client: httpx.AsyncClient,
    db: AsyncSession,
    clock: FakeClock,
    settings: Settings,
    tmp_path: Path,
) -> None:
    staff = {"Authorization": "Bearer stand-staff-token-00000000000"}
    outsider = {"Authorization": "Bearer outsider-token-0000000000000"}
    await signed_in(db, clock, "staff@stand.test", staff)
    await signed_in(db, clock, "outsider@stand.test", outsider)
    await db.commit()
    person = {"email": "staff@stand.test", "name": "Staff", "tz": "Europe/Moscow", "duty": []}
    pack = write_pack(tmp_path / "pack", [stand_doc("delta-works", staff=[person])])
    await import_pack(db, clock, read_pack(pack), MediaStore(settings.media_dir / "showrooms"))
    await db.commit()
    team = "/api/v1/stands/delta-works/staff"
    colleague = {"email": "new.colleague@stand.test", "name": "Коллега", "language": "ru"}

    refused = [
        (await client.get(team, headers=outsider)).status_code,
        (await client.post(team, json=colleague, headers=outsider)).status_code,
        (await client.get(team)).status_code,
    ]
    added = await client.post(team, json={**colleague, "tz": "Asia/Jakarta"}, headers=staff)
    again = await client.post(team, json=colleague, headers=staff)
    new_id = next(m["user"]["id"] for m in added.json()["staff"] if m["user"]["pending"])
    removed = await client.delete(f"{team}/{new_id}", headers=staff)
    me = (await client.get(team, headers=staff)).json()["staff"][0]["user"]["id"]
    last = await client.delete(f"{team}/{me}", headers=staff)

    assert refused == [403, 403, 401]
    assert added.status_code == 201
    assert [(m["user"]["email"], m["tz"]) for m in added.json()["staff"]] == [
        ("staff@stand.test", "Europe/Moscow"),
        ("new.colleague@stand.test", "Asia/Jakarta"),
    ]
    assert (again.status_code, again.json()["error"]["field"]) == (409, "email")
    assert removed.json() == {"removed": new_id}
    assert (last.status_code, last.json()["error"]["field"]) == (409, "user")
    (invitation,) = (
        await db.exec(select(OutboxMail).where(OutboxMail.to_email == "new.colleague@stand.test"))
    ).all()
    assert invitation.subject == "Ваша учётная запись: Завод delta-works"
