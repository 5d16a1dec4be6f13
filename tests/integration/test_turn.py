"""TURN credentials against a real coturn on loopback, started as docker-compose.yml starts it
(`--use-auth-secret`): a browser's peer connection given the servers this app hands out gets a
relay allocation; credentials from another secret, or expired ones, get none."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection

from server.settings import Settings
from tests.conftest import need, port_open
from tests.servers import free_port

SECRET = "coturn-and-the-app-share-this"


@pytest.fixture(scope="module")
def turn_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("turnserver")
    if binary is None:
        need("coturn's turnserver is not installed (apt-get install coturn)")
    assert binary is not None
    port = free_port()
    log = tmp_path_factory.mktemp("coturn") / "turnserver.log"
    process = subprocess.Popen(
        [
            binary,
            "-n",  # no configuration file
            f"--listening-port={port}",
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
            "--realm=pavilion.test",
            "--use-auth-secret",
            f"--static-auth-secret={SECRET}",
            "--no-tls",
            "--no-dtls",
            "--no-cli",
            "--allow-loopback-peers",
            "--min-port=49400",
            "--max-port=49500",
            f"--log-file={log}",
            "--simple-log",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", port):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"turnserver did not start: {log.read_text() if log.exists() else ''}")
            time.sleep(0.05)
        yield f"turn:127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _candidate_types(servers: list[dict[str, Any]]) -> set[str]:
    """The kinds of ICE candidate a peer connection configured with `servers` gathers."""
    pc = RTCPeerConnection(RTCConfiguration([RTCIceServer(**server) for server in servers]))
    try:
        pc.createDataChannel("probe")
        await pc.setLocalDescription(await pc.createOffer())
        sdp = pc.localDescription.sdp
    finally:
        await pc.close()
    return {line.split(" typ ")[1].split()[0] for line in sdp.splitlines() if " typ " in line}


def _servers(turn_url: str, secret: str, now: datetime) -> list[dict[str, Any]]:
    settings = Settings(ice_servers=[turn_url], turn_secret=secret, turn_credential_seconds=600)
    return settings.ice_servers_for(42, now)


async def test_credentials_from_the_shared_secret_get_a_relay(turn_url: str) -> None:
    now = datetime.now(UTC)

    good = await _candidate_types(_servers(turn_url, SECRET, now))
    other_secret = await _candidate_types(_servers(turn_url, "not-the-secret", now))
    expired = await _candidate_types(_servers(turn_url, SECRET, now - timedelta(minutes=11)))

    assert "relay" in good
    assert "relay" not in other_secret
    assert "relay" not in expired
    assert "host" in good & other_secret & expired  # the peer itself was fine each time
