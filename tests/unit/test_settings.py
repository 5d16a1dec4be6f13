from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from server.settings import INSECURE_SECRET, Settings


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError, match="PAVILION_SECRET_KEY must be set"):
        Settings(environment="production", secret_key=INSECURE_SECRET)


def test_production_refuses_a_short_secret() -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(environment="production", secret_key="short")


def test_production_accepts_a_long_random_secret() -> None:
    settings = Settings(environment="production", secret_key="k" * 40)

    assert settings.secret_key == "k" * 40


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
