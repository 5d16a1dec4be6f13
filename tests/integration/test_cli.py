"""The `pavilion` command as an organiser runs it."""

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from server.cli import app
from tests.factories import program_doc, session_doc

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> str:
    monkeypatch.setenv("PAVILION_DATABASE_URL", database_url)
    monkeypatch.setenv("PAVILION_ENVIRONMENT", "test")
    return database_url


def write(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "program.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def test_import_reports_created_then_unchanged(env: str, tmp_path: Path) -> None:
    path = write(tmp_path, program_doc(session_doc("a", "2027-03-26T10:00", "2027-03-26T11:00")))
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0

    first = runner.invoke(app, ["program", "import", str(path)])
    second = runner.invoke(app, ["program", "import", str(path)])

    assert (first.exit_code, second.exit_code) == (0, 0)
    assert "│ sessions │ 1       │ 0       │ 0         │" in first.output
    assert "│ sessions │ 0       │ 0       │ 1         │" in second.output


def test_a_bad_file_exits_2_naming_the_field_and_writes_nothing(env: str, tmp_path: Path) -> None:
    good = session_doc("a", "2027-03-26T10:00", "2027-03-26T11:00")
    skipped_hour = session_doc(
        "b",
        "2027-03-28T02:30",
        "2027-03-28T04:00",
        host={"city": {"en": "Berlin", "ru": "Берлин"}, "tz": "Europe/Berlin"},
    )
    path = write(tmp_path, program_doc(good, skipped_hour))
    runner.invoke(app, ["db", "upgrade"])

    result = runner.invoke(app, ["program", "import", str(path)])
    check = runner.invoke(app, ["program", "import", str(write(tmp_path, program_doc(good)))])

    assert result.exit_code == 2
    assert "sessions.1.start: 2027-03-28T02:30 does not exist in Europe/Berlin" in " ".join(
        result.output.split()
    )
    assert "│ forums   │ 1       │ 0       │ 0         │" in check.output


def test_demo_refuses_a_production_environment(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAVILION_ENVIRONMENT", "production")
    monkeypatch.setenv("PAVILION_SECRET_KEY", "s" * 40)

    result = runner.invoke(app, ["demo", "--no-serve"])

    assert result.exit_code == 2
    assert "refusing to load demo data into a production environment" in result.output
