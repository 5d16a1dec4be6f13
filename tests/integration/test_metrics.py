"""/metrics: the Prometheus exposition parses, its counters move with the traffic, and in
production nobody reads it without the metrics token or an organiser's sign-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import Role
from server.accounts.service import grant
from server.app import create_app
from server.clock import FakeClock
from server.settings import Settings
from tests.factories import attendance_doc, load_program, signed_in

SECRET = "a-production-secret-of-at-least-32-characters"
METRICS_TOKEN = "scraper-token-0123456789"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition by (name, sorted labels)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


async def test_the_exposition_parses_and_counts_what_happened(client: httpx.AsyncClient) -> None:
    before = await client.get("/metrics")
    signup = await client.post(
        "/api/v1/auth/signup",
        json={"email": "m@example.org", "password": "long enough secret", "name": "M"},
    )
    await client.get("/api/v1/forums/nowhere")
    after = await client.get("/metrics")

    assert (before.status_code, signup.status_code, after.status_code) == (200, 202, 200)
    assert after.headers["content-type"].startswith("text/plain; version=0.0.4")
    route = {"route": "/api/v1/auth/signup", "method": "POST", "status": "202"}
    counted = "pavilion_http_requests_total"
    assert value(after.text, counted, **route) - value(before.text, counted, **route) == 1
    missing = {"route": "/api/v1/forums/{forum}", "method": "GET", "status": "404"}
    assert value(after.text, counted, **missing) == 1
    # The sign-up's password was hashed in the pool, and timed there.
    hashed = value(after.text, "pavilion_password_hash_seconds_count")
    assert hashed - value(before.text, "pavilion_password_hash_seconds_count") == 1
    names = {family.name for family in text_string_to_metric_families(after.text)}
    assert {
        "pavilion_loop_lag_seconds",
        "pavilion_ws_sockets",
        "pavilion_db_pool_connections",
        "pavilion_db_write_queue",
        "pavilion_mail_queue",
        "pavilion_password_hash_queue",
        "pavilion_stage_viewers",
    } <= names


@pytest.fixture
async def production(
    tmp_path: Path, clock: FakeClock, database_url: str, db: AsyncSession
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        environment="production",
        secret_key=SECRET,
        metrics_token=METRICS_TOKEN,
        database_url=database_url,
        media_dir=tmp_path / "media",
        log_format="text",
        public_url="https://forum.example.org",
    )
    await load_program(db, clock, attendance_doc())
    organiser = await signed_in(db, clock, "org@example.org", {"Authorization": "Bearer org"})
    await signed_in(db, clock, "someone@example.org", {"Authorization": "Bearer someone"})
    await grant(db, organiser, Role.organiser, forum_id=1)
    await db.commit()
    app = create_app(settings, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app):
        base = "https://forum.example.org"
        async with httpx.AsyncClient(transport=transport, base_url=base) as c:
            yield c


async def test_in_production_only_the_scraper_and_organisers_read_metrics(
    production: httpx.AsyncClient,
) -> None:
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    anonymous = await production.get("/metrics")
    attendee = await production.get("/metrics", headers=bearer("someone"))
    wrong = await production.get("/metrics", headers=bearer("not-the-metrics-token"))
    scraper = await production.get("/metrics", headers=bearer(METRICS_TOKEN))
    organiser = await production.get("/metrics", headers=bearer("org"))

    assert (anonymous.status_code, attendee.status_code, wrong.status_code) == (401, 403, 401)
    assert anonymous.json()["error"]["code"] == "unauthorized"
    assert "pavilion_" not in anonymous.text + attendee.text + wrong.text
    assert (scraper.status_code, organiser.status_code) == (200, 200)
    assert "pavilion_http_requests_total" in scraper.text
