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
