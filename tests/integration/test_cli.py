"""The `pavilion` command as an organiser runs it."""

import json
from pathlib import Path

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from server import cli
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
    monkeypatch.setenv("PAVILION_SECRET_KEY", "s7Kq2xLr9TzV4mWn8pYb3HcJ6dFg1QaE")

    result = runner.invoke(app, ["demo", "--no-serve"])

    assert result.exit_code == 2
    assert "refusing to load demo data into a production environment" in result.output


CAPITALS = [
    "Jakarta=Asia/Jakarta",
    "Beijing=Asia/Shanghai",
    "Tashkent=Asia/Tashkent",
    "Cairo=Africa/Cairo",
    "Paris=Europe/Paris",
    "Berlin=Europe/Berlin",
    "Rome=Europe/Rome",
    "Buenos Aires=America/Argentina/Buenos_Aires",
]


def plan_args(*hosts: str, extra: tuple[str, ...] = ()) -> list[str]:
    args = ["marathon", "plan", "--date", "2026-07-07", "--hub", "Europe/Moscow"]
    args += ["--hub-window", "08:00-23:00", "--segment", "45", "--gap", "5", *extra]
    for host in hosts:
        args += ["--host", host]
    return args


async def test_marathon_plan_json_is_what_the_http_planner_answers(
    client: httpx.AsyncClient,
) -> None:
    result = runner.invoke(app, plan_args(*CAPITALS, extra=("--json",)))
    body = {
        "date": "2026-07-07",
        "hub": {"tz": "Europe/Moscow", "window": "08:00-23:00"},
        "gap_minutes": 5,
        "hosts": [
            {"city": c.split("=")[0], "tz": c.split("=")[1], "minutes": 45} for c in CAPITALS
        ],
    }

    answer = await client.post("/api/v1/marathons/plan", json=body)

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == answer.json()


def test_marathon_plan_prints_a_table_in_relay_order() -> None:
    result = runner.invoke(app, plan_args(*CAPITALS[:3], "Delhi=Asia/Kolkata@10:00-18:00#2"))

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    rows = [line for line in lines if line.startswith("│") and line.split("│")[2].strip()]
    assert [row.split("│")[2].strip() for row in rows] == [
        "Beijing",
        "Delhi",
        "Jakarta",
        "Tashkent",
    ]
    assert "2 (fixed)" in rows[1]
    assert "span 195 min, idle beyond handovers 0 min" in result.output


def test_marathon_plan_names_both_clocks_of_a_segment_across_the_autumn_change_at_80_columns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cli.console, "width", 80)
    # On 2026-10-25 Berlin's clocks go back at 03:00 CEST: 02:05 comes twice, an hour apart.
    args = ["marathon", "plan", "--date", "2026-10-25", "--hub", "Europe/Berlin"]
    args += ["--hub-window", "02:05-05:00", "--segment", "60", "--gap", "5"]
    args += ["--host", "Berlin=Europe/Berlin@00:00-23:59"]
    args += ["--host", "Buenos Aires=America/Argentina/Buenos_Aires@00:00-23:59"]

    result = runner.invoke(app, args)

    assert result.exit_code == 0, result.output
    berlin = next(line for line in result.output.splitlines() if "Berlin  " in line)
    assert "00:05–01:05" in berlin and "02:05 CEST–02:05 CET" in berlin, result.output
    assert max(map(len, result.output.splitlines())) <= 80
    assert "22:10–23:10 -03" in result.output  # one zone abbreviation when the clocks stay


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("Jakarta", "--host 'Jakarta': expected City=Zone"),
        ("Mars=Mars/Olympus", "hosts[1].tz: unknown time zone 'Mars/Olympus'"),
        ("Night=Asia/Tokyo@22:00-06:00", "hosts[1].window: '22:00-06:00' ends before it starts"),
        ("Late=Asia/Tokyo#x", "--host 'Late=Asia/Tokyo#x'"),
    ],
)
def test_marathon_plan_refuses_bad_hosts_with_exit_2(host: str, message: str) -> None:
    result = runner.invoke(app, plan_args(CAPITALS[0], host))

    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_marathon_plan_explains_a_relay_that_does_not_fit() -> None:
    result = runner.invoke(app, plan_args(*CAPITALS[:7], extra=("--hub-window", "08:00-12:00")))

    assert result.exit_code == 2
    assert "lasts 240 minutes, but the 7 segments with 5-minute handovers need 345" in " ".join(
        result.output.split()
    )


def test_showrooms_import_reports_or_refuses_naming_each_problem(
    env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.showroom_packs import stand_doc, write_pack

    monkeypatch.setenv("PAVILION_MEDIA_DIR", str(tmp_path / "media"))
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    good = write_pack(tmp_path / "volga", [stand_doc("kamturbo")])
    quiet = write_pack(tmp_path / "samara", [stand_doc("avtovaz")], slug="samara")
    broken = write_pack(tmp_path / "broken", [stand_doc("uralmash", size="huge")], slug="ural")

    first = runner.invoke(app, ["showrooms", "import", str(good)])
    again = runner.invoke(app, ["showrooms", "import", str(good)])
    uninvited = runner.invoke(app, ["showrooms", "import", "--no-invite", str(quiet)])
    refused = runner.invoke(app, ["showrooms", "import", str(broken)])

    assert (first.exit_code, again.exit_code, refused.exit_code) == (0, 0, 2)
    assert uninvited.exit_code == 0
    # New staff accounts are mailed their link once, unless asked not to.
    invited = "invited (new staff accounts, mailed a link to choose a password)"
    assert f"{invited}: sales@kamturbo.example" in first.output
    assert invited not in again.output and invited not in uninvited.output
    assert "│ stands    │ 1       │ 0       │ 0         │" in first.output
    assert "│ stands    │ 0       │ 0       │ 1         │" in again.output
    assert "nothing imported, 1 problem(s)" in refused.output
    lines = (broken / "stands" / "uralmash.yaml").read_text("utf-8").splitlines()
    size = next(i for i, line in enumerate(lines, 1) if line.startswith("size:"))
    assert f"stands/uralmash.yaml:{size}: size: 'huge' is not one of" in refused.output
