import secrets
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from server.secret_key import install_secret, weakness
from server.settings import Settings

RANDOM_SECRET = "p7Vq2xLr9TzK4mWn8sYb3HcJ6dFg1QaE"  # 32 characters, 32 distinct


def installed(folder: Path, **values: object) -> Settings:
    """The settings of an install whose data directory is `folder`, given nothing else."""
    return Settings(_env_file=None, media_dir=folder / "media", **values)  # type: ignore[call-arg, arg-type]


@pytest.fixture(autouse=True)
def no_secret_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAVILION_SECRET_KEY", raising=False)
    monkeypatch.delenv("PAVILION_ENVIRONMENT", raising=False)


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("", "must be set in production"),
        ("insecure-demo-secret-change-me", "is a known placeholder"),
        ("a" * 32, "has fewer than 10 distinct characters"),
        ("short", "is shorter than 32 characters"),
        ("0123456789abcdef" * 4, "repeats a shorter pattern"),
    ],
)
def test_production_refuses_a_secret_that_is_missing_or_guessable(
    tmp_path: Path, secret: str, why: str
) -> None:
    with pytest.raises(ValidationError, match=f"PAVILION_SECRET_KEY {why}"):
        installed(tmp_path, environment="production", secret_key=secret)
    assert not (tmp_path / "media").exists()  # nor did it make one of its own


def test_production_accepts_a_long_random_secret(tmp_path: Path) -> None:
    made = secrets.token_urlsafe(32)

    settings = installed(tmp_path, environment="production", secret_key=made)

    assert settings.secret_key == made


@pytest.mark.parametrize("environment", ["demo", "dev", "test"])
def test_two_installs_without_a_secret_make_different_random_ones(
    tmp_path: Path, environment: str
) -> None:
    first = installed(tmp_path / "one", environment=environment)
    second = installed(tmp_path / "two", environment=environment)

    assert first.secret_key != second.secret_key
    assert weakness(first.secret_key) is None and weakness(second.secret_key) is None


def test_an_install_keeps_its_secret_across_restarts_in_a_file_only_its_owner_reads(
    tmp_path: Path,
) -> None:
    first = installed(tmp_path, environment="demo")
    restarted = installed(tmp_path, environment="dev")

    assert restarted.secret_key == first.secret_key
    assert first.secret_file.read_text().strip() == first.secret_key
    assert stat.S_IMODE(first.secret_file.stat().st_mode) == 0o600


def test_a_secret_that_is_given_is_used_and_nothing_is_written(tmp_path: Path) -> None:
    settings = installed(tmp_path, environment="dev", secret_key=RANDOM_SECRET)

    assert settings.secret_key == RANDOM_SECRET
    assert not settings.secret_file.exists()


def test_installs_starting_together_agree_on_one_secret(tmp_path: Path) -> None:
    path = tmp_path / "state" / "secret-key"
    with ThreadPoolExecutor(8) as pool:
        made = set(pool.map(lambda _: install_secret(path), range(32)))

    assert made == {path.read_text().strip()}
    assert [p.name for p in path.parent.iterdir()] == ["secret-key"]


def test_settings_come_from_pavilion_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAVILION_DATABASE_URL", "postgresql+asyncpg://db/pavilion")
    monkeypatch.setenv("PAVILION_PORT", "9000")

    settings = Settings()

    assert (settings.database_url, settings.port, settings.is_sqlite) == (
        "postgresql+asyncpg://db/pavilion",
        9000,
        False,
    )


def test_a_turn_server_needs_the_secret_its_credentials_come_from() -> None:
    with pytest.raises(ValidationError, match="PAVILION_TURN_SECRET must be set"):
        Settings(ice_servers=["stun:stun.example.org", "turn:turn.example.org:3478"])


def test_turn_credentials_are_coturns_rest_api_credentials() -> None:
    # The expected password came from openssl, not from this code:
    #   printf '%s' '1805533200:42' \
    #     | openssl dgst -sha1 -hmac 'coturn-shared-secret' -binary | base64
    settings = Settings(
        ice_servers=["stun:stun.example.org", "turn:turn.example.org", "turns:turn.example.org"],
        turn_secret="coturn-shared-secret",
        turn_credential_seconds=3600,
    )

    servers = settings.ice_servers_for(42, datetime(2027, 3, 20, 8, tzinfo=UTC))

    assert servers == [
        {"urls": "stun:stun.example.org"},
        {
            "urls": ["turn:turn.example.org", "turns:turn.example.org"],
            "username": "1805533200:42",
            "credential": "e7L77fq7cbpwUDZ7ClflzUC+QQY=",
        },
    ]


def test_stun_only_needs_no_secret() -> None:
    settings = Settings(ice_servers=["stun:stun.example.org"])

    assert settings.ice_servers_for(7, datetime(2027, 3, 20, 8, tzinfo=UTC)) == [
        {"urls": "stun:stun.example.org"}
    ]


def test_links_and_socket_origins_follow_the_port_served_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("PAVILION_PUBLIC_URL", "PAVILION_ALLOWED_ORIGINS", "PAVILION_HOST"):
        monkeypatch.delenv(name, raising=False)

    served = Settings(_env_file=None).served_at(port=8101)  # type: ignore[call-arg]

    assert served.port == 8101
    assert served.public_url == "http://127.0.0.1:8101"
    assert served.allowed_origins == ["http://127.0.0.1:8101", "http://localhost:8101"]
    everywhere = Settings(_env_file=None).served_at("0.0.0.0", 9000)  # type: ignore[call-arg]
    assert everywhere.public_url == "http://127.0.0.1:9000"
    assert Settings(_env_file=None).served_at("::1", 9000).public_url == "http://[::1]:9000"  # type: ignore[call-arg]


def test_links_and_origins_set_explicitly_stay_as_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAVILION_PUBLIC_URL", "https://forum.example.org")
    monkeypatch.setenv("PAVILION_ALLOWED_ORIGINS", '["https://forum.example.org"]')

    served = Settings(_env_file=None).served_at("0.0.0.0", 8101)  # type: ignore[call-arg]

    assert (served.host, served.port) == ("0.0.0.0", 8101)
    assert served.public_url == "https://forum.example.org"
    assert served.allowed_origins == ["https://forum.example.org"]
