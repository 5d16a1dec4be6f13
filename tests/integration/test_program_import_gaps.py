"""`pavilion program import` for files organisers really have: names in one language only,
people with their email (linked to accounts), and re-imports of a file that lost sessions
(reported, and cancelled on request, telling the people registered)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from typer.testing import CliRunner

from server.accounts.models import Grant, Role, User
from server.attendance.models import Mode
from server.attendance.service import register_for_session
from server.cli import app as cli
from server.clock import FakeClock
from server.editor.importer import import_program
from server.errors import Invalid
from server.mail.models import OutboxMail
from server.notices.models import Notice
from server.program.models import Person, Session, SessionStatus
from tests.factories import load_program, program_doc, russian_only, session_doc, signed_in

PUBLIC_URL = "http://pavilion.test"


async def test_a_russian_only_program_imports_and_shows_its_names_in_english_too(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock
) -> None:
    await load_program(db, clock, russian_only())

    program = (await client.get("/api/v1/forums/test-forum/program?lang=en")).json()
    forum = (await client.get("/api/v1/forums/test-forum?lang=en")).json()
    ics = (await client.get("/api/v1/forums/test-forum/program.ics?lang=en")).text
    frab = (await client.get("/api/v1/forums/test-forum/schedule.json?lang=en")).json()
    jsonld = (await client.get("/api/v1/forums/test-forum/jsonld?lang=en")).json()

    (session,) = program["days"][0]["sessions"]
    assert (forum["name"], forum["city"]) == ("Иннопром", "Екатеринбург")
    assert (session["title"], session["abstract"], session["host"]["city"]) == (
        "Открытие",
        "О главном",
        "Екатеринбург",
    )
    assert (session["venue"]["name"], session["track"]["name"]) == ("Зал 1", "Металлургия")
    assert [s["name"] for s in session["speakers"]] == ["Иван Иванов"]
    assert "SUMMARY:Открытие" in ics
    (frab_event,) = frab["schedule"]["conference"]["days"][0]["rooms"]["Зал 1"]
    assert (frab["schedule"]["conference"]["title"], frab_event["title"]) == (
        "Иннопром",
        "Открытие",
    )
    assert (jsonld["name"], jsonld["subEvent"][0]["name"]) == ("Иннопром", "Открытие")


@pytest.mark.parametrize(
    ("path", "blank"),
    [
        ("forum.name", lambda doc: doc["forum"].update(name={"en": "", "ru": " "})),
        ("venues.0.name", lambda doc: doc["venues"][0].update(name={})),
        ("people.0.name", lambda doc: doc["people"][0].update(name={"en": ""})),
        ("sessions.0.title", lambda doc: doc["sessions"][0].update(title={})),
    ],
)
async def test_a_name_in_neither_language_is_refused_naming_it(
    db: AsyncSession, clock: FakeClock, path: str, blank: Any
) -> None:
    doc = russian_only()
    blank(doc)

    with pytest.raises(Invalid) as refused:
        await import_program(db, clock, doc)

    assert refused.value.details == {"field": path}
    assert refused.value.message.startswith(f"{path}: ")


async def test_people_with_an_email_are_linked_to_accounts_and_keep_it_when_a_file_omits_it(
    db: AsyncSession, clock: FakeClock
) -> None:
    doc = program_doc(
        session_doc(
            "opening",
            "2027-03-26T10:00",
            "2027-03-26T11:00",
            cast=[{"person": "anna", "role": "moderator"}],
        )
    )
    doc["people"][0] |= {"email": "Anna.Orlova@Example.org", "bio": {"ru": "Инженер"}}
    await import_program(db, clock, doc, public_url=PUBLIC_URL)
    await db.commit()
    doc["people"][0].pop("email")
    await import_program(db, clock, doc, public_url=PUBLIC_URL)
    await db.commit()

    anna = (await db.exec(select(Person).where(Person.slug == "anna"))).one()
    account = (await db.exec(select(User).where(User.email == "anna.orlova@example.org"))).one()
    invitations = (await db.exec(select(OutboxMail.to_email))).all()
    assert (anna.email, anna.bio_ru, anna.user_id) == (
        "anna.orlova@example.org",
        "Инженер",
        account.id,
    )
    # Invited once (not again on the re-import), and her cast's role is hers.
    assert invitations == ["anna.orlova@example.org"]
    roles = (await db.exec(select(Grant.role, Grant.session_id).where(Grant.user_id == account.id)))
    opening = (await db.exec(select(Session.id).where(Session.slug == "opening"))).one()
    assert roles.all() == [(Role.moderator, opening)]


async def _registered(
    db: AsyncSession, clock: FakeClock, doc: dict[str, Any]
) -> tuple[dict[str, Session], User]:
    """The program loaded and somebody registered for its session "gone"."""
    await load_program(db, clock, doc)
    sessions = {s.slug: s for s in (await db.exec(select(Session))).all()}
    user = await signed_in(db, clock, "fan@example.org", {"Authorization": "Bearer fan-token"})
    await db.commit()
    await register_for_session(db, clock, user, sessions["gone"], Mode.online)
    return sessions, user


def _two_sessions() -> dict[str, Any]:
    return program_doc(
        session_doc("kept", "2027-03-26T10:00", "2027-03-26T11:00"),
        session_doc("gone", "2027-03-26T12:00", "2027-03-26T13:00"),
    )


async def test_a_reimport_reports_the_sessions_the_file_no_longer_has_and_cancels_on_request(
    db: AsyncSession, clock: FakeClock
) -> None:
    sessions, fan = await _registered(db, clock, _two_sessions())
    smaller = program_doc(session_doc("kept", "2027-03-26T10:00", "2027-03-26T11:00"))

    reported = await load_program(db, clock, smaller)
    await db.refresh(sessions["gone"])
    status_after_report = sessions["gone"].status
    report = await import_program(db, clock, smaller, cancel_missing=True, public_url=PUBLIC_URL)
    await db.commit()
    again = await load_program(db, clock, smaller)

    gone = sessions["gone"]
    await db.refresh(gone)
    assert (reported.missing, reported.cancelled) == (["gone"], [])
    assert status_after_report is SessionStatus.scheduled
    assert (report.missing, report.cancelled) == (["gone"], ["gone"])
    assert (again.missing, again.cancelled) == (["gone"], [])
    assert (gone.status, gone.sequence) == (SessionStatus.cancelled, 1)
    assert report.change is not None and report.change.statuses == {
        gone.id: SessionStatus.cancelled
    }
    told = (await db.exec(select(Notice.user_id, Notice.kind, Notice.key))).all()
    assert [(u, k.value, key) for u, k, key in told] == [
        (fan.id, "session_cancelled", f"cancelled:{gone.id}:1")
    ]


async def test_a_reimport_keeps_a_session_cancelled_in_the_editor_unless_the_file_says(
    db: AsyncSession, clock: FakeClock
) -> None:
    sessions, fan = await _registered(db, clock, _two_sessions())
    gone = sessions["gone"]
    gone.status = SessionStatus.cancelled
    db.add(gone)
    await db.commit()

    kept = await load_program(db, clock, _two_sessions())
    await db.refresh(gone)
    status_kept = gone.status
    doc = _two_sessions()
    doc["sessions"][1]["status"] = "scheduled"
    await import_program(db, clock, doc, public_url=PUBLIC_URL)
    await db.commit()

    await db.refresh(gone)
    assert kept.unchanged["sessions"] == 2
    assert (status_kept, gone.status) == (SessionStatus.cancelled, SessionStatus.scheduled)
    query = select(Notice.kind).where(Notice.user_id == fan.id).order_by(col(Notice.id))
    assert [k.value for k in (await db.exec(query)).all()] == ["session_restored"]


def test_the_cli_lists_missing_sessions_and_cancels_them_when_asked(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path
) -> None:
    monkeypatch.setenv("PAVILION_DATABASE_URL", database_url)
    monkeypatch.setenv("PAVILION_ENVIRONMENT", "test")
    runner = CliRunner()
    full, smaller = tmp_path / "full.yaml", tmp_path / "smaller.yaml"
    full.write_text(yaml.safe_dump(_two_sessions(), allow_unicode=True), encoding="utf-8")
    kept = program_doc(session_doc("kept", "2027-03-26T10:00", "2027-03-26T11:00"))
    smaller.write_text(yaml.safe_dump(kept, allow_unicode=True), encoding="utf-8")
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(cli, ["program", "import", str(full)]).exit_code == 0

    listed = runner.invoke(cli, ["program", "import", str(smaller)])
    cancelled = runner.invoke(cli, ["program", "import", "--cancel-missing", str(smaller)])

    assert (listed.exit_code, cancelled.exit_code) == (0, 0), listed.output + cancelled.output
    assert "missing from the file: gone\n" in listed.output
    assert "missing from the file: gone (cancelled now)" in cancelled.output
