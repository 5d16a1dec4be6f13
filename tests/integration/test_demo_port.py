"""`pavilion demo --port N`, as a newcomer runs it: the links it hands out and the sockets its
pages open are on port N, not on the default 8000 (issue 19, items 8 and 22)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.servers import free_port, wait_until_healthy

ATTENDEE = {"email": "attendee@demo.pavilion.test", "password": "demo-password"}


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("demo-port")
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PAVILION_PUBLIC_URL", "PAVILION_ALLOWED_ORIGINS", "PAVILION_PORT"}
    }
    env |= {
        "PAVILION_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'demo.db'}",
        "PAVILION_MEDIA_DIR": str(folder / "media"),
        "PAVILION_LOG_LEVEL": "WARNING",
    }
    log = folder / "demo.log"
    with log.open("wb") as out:
        child = subprocess.Popen(
            [str(Path(sys.executable).parent / "pavilion"), "demo", "--port", str(port)],
            cwd=folder,  # no .env of the checkout's
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_healthy(url, lambda: child.poll() is None, timeout=120)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{log.read_text(errors='replace')[-2000:]}") from None
        yield url
    finally:
        child.terminate()
        child.wait(timeout=20)


def _token(url: str) -> str:
    answer = httpx.post(f"{url}/api/v1/auth/login", json=ATTENDEE)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


def test_the_demo_on_another_port_links_to_that_port(demo_url: str) -> None:
    token = _token(demo_url)
    feed = httpx.post(
        f"{demo_url}/api/v1/me/agenda/feed", headers={"Authorization": f"Bearer {token}"}
    )
    assert feed.status_code == 200, feed.text
    assert feed.json()["url"].startswith(f"{demo_url}/api/v1/agenda/"), feed.json()


async def test_the_demo_on_another_port_lets_its_own_pages_sockets_in(demo_url: str) -> None:
    token = _token(demo_url)
    ws = demo_url.replace("http://", "ws://") + f"/ws?token={token}"
    async with connect(ws, origin=demo_url) as socket:  # type: ignore[arg-type]
        await socket.ping()
    with pytest.raises(InvalidStatus) as refused:  # a page of another origin still is not
        async with connect(ws, origin="http://127.0.0.1:8000"):  # type: ignore[arg-type]
            pass
    assert refused.value.response.status_code == 403


def test_the_demo_on_another_port_tells_a_page_which_origins_its_socket_takes(
    demo_url: str,
) -> None:
    """What a page whose socket never opens asks, to say why (frontend/socket.js `refused`)."""
    answer = httpx.get(f"{demo_url}/api/v1/realtime/origins")
    assert answer.status_code == 200, answer.text
    port = demo_url.rsplit(":", 1)[1]
    assert answer.json() == {
        "path": "/ws",
        "origins": [f"http://127.0.0.1:{port}", f"http://localhost:{port}"],
    }
