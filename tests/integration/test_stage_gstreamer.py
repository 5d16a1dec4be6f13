"""A stock GStreamer webrtcbin publishes to the stage (WHIP) and watches its program (WHEP),
as docs/stage.md promises any WHIP encoder may; and a handshake that fails is reported for
its source instead of the source vanishing.

GStreamer runs as a child process with the system's Python (tests/integration/
gstreamer_peer.py, python3-gi and Debian's GStreamer 1.22 plugins; .ci/run installs them).
Its webrtcbin presents an RSA certificate, so its DTLS needs the ECDHE-RSA suites RFC 8827
makes mandatory. The failure tests also use aiortc peers whose offer carries a rewritten
certificate fingerprint, so that the stage's handshake check fails."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from server.app import create_app
from server.clock import FakeClock
from server.settings import Settings
from server.stage.ingest import Stage
from tests.conftest import need
from tests.integration.test_stage_ingest import ATTENDEE, MODERATOR, session_id  # noqa: F401
from tests.servers import serve_here

SYSTEM_PYTHON = "/usr/bin/python3"
PEER = Path(__file__).with_name("gstreamer_peer.py")


def _gstreamer_missing() -> str | None:
    """Why GStreamer's webrtcbin cannot be driven from the system's Python, or None."""
    probe = (
        "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstWebRTC', '1.0');"
        "from gi.repository import Gst, GstWebRTC; Gst.init(None);"
        "missing = [e for e in ('webrtcbin', 'nicesrc', 'dtlssrtpenc', 'vp8enc', 'opusenc',"
        " 'openh264dec', 'rtpvp8pay', 'rtph264depay') if Gst.ElementFactory.find(e) is None];"
        "print(' '.join(missing))"
    )
    try:
        done = subprocess.run(
            [SYSTEM_PYTHON, "-c", probe], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"no {SYSTEM_PYTHON} to run GStreamer with ({exc})"
    if done.returncode != 0:
        return f"python3-gi or GStreamer's bindings are missing: {done.stderr.strip()[-300:]}"
    if done.stdout.strip():
        return f"GStreamer elements missing: {done.stdout.strip()}"
    return None


@pytest.fixture(scope="module")
def gstreamer() -> str:
    missing = _gstreamer_missing()
    if missing is not None:
        need(f"GStreamer webrtcbin (python3-gi, gstreamer1.0-plugins-*, -nice): {missing}")
    return SYSTEM_PYTHON


class GstPeer:
    """tests/integration/gstreamer_peer.py as a child process; its JSON lines as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[dict[str, Any]] = []
        self.states: list[str] = []
        self.stderr = bytearray()  # GStreamer's warnings, read as they come (a full pipe stalls it)
        self._reader = asyncio.create_task(self._read())
        self._errors = asyncio.create_task(self._read_errors())

    @classmethod
    async def start(cls, python: str, mode: str, url: str, token: str, seconds: float) -> GstPeer:
        process = await asyncio.create_subprocess_exec(
            python,
            str(PEER),
            mode,
            url,
            token,
            str(seconds),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            try:
                line = json.loads(raw)
            except ValueError:  # not one of the peer's lines: kept with the warnings
                self.stderr += raw
                continue
            self.lines.append(line)
            if "state" in line:
                self.states.append(line["state"])

    async def _read_errors(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            self.stderr += raw

    async def finished(self, within: float) -> int:
        """Wait for it to end by itself (it runs its SECONDS, then DELETEs its resource)."""
        code = await asyncio.wait_for(self.process.wait(), within)
        await self._reader
        return code

    def decoded(self) -> dict[str, int]:
        counts = [line["decoded"] for line in self.lines if "decoded" in line]
        return counts[-1] if counts else {"video": 0, "audio": 0}

    async def stop(self) -> str:
        """End it if it still runs; what it wrote to stderr (GStreamer's warnings)."""
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        for reader in (self._reader, self._errors):
            reader.cancel()
        return self.stderr.decode(errors="replace")


@pytest.fixture
async def live(
    settings: Settings, clock: FakeClock, db: AsyncSession
) -> AsyncIterator[tuple[FastAPI, str]]:
    """The app under uvicorn on this test's loop (its aiortc peers run there too); its URL."""
    app = create_app(settings, clock=clock)
    async with serve_here(app) as url:
        yield app, url


async def _until(check: Any, within: float, what: str) -> Any:
    deadline = asyncio.get_running_loop().time() + within
    while (found := await check()) is None:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"waited {within:.0f} s for {what}")
        await asyncio.sleep(0.2)
    return found


async def _stage(url: str, session: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url) as http:
        answer = await http.get(f"/api/v1/stage/{session}", headers=MODERATOR)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


async def test_gstreamer_publishes_to_the_stage_and_a_gstreamer_viewer_decodes_the_program(
    gstreamer: str,
    live: tuple[FastAPI, str],
    session_id: int,  # noqa: F811
) -> None:
    _app, url = live
    base = f"{url}/api/v1/stage/{session_id}"
    publisher = await GstPeer.start(gstreamer, "publish", f"{base}/whip", "moderator", 60)
    viewer: GstPeer | None = None
    try:

        async def receiving() -> dict[str, Any] | None:
            sources = (await _stage(url, session_id))["sources"]
            return sources[0] if sources and sources[0]["receiving"] else None

        source = await _until(receiving, 40, "the stage to receive GStreamer's video")
        assert (source["name"], source["failure"]) == ("Moderator", None)
        async with httpx.AsyncClient(base_url=base) as http:
            taken = await http.post("/take", json={"source": source["id"]}, headers=MODERATOR)
            assert taken.status_code == 200, taken.text

        viewer = await GstPeer.start(gstreamer, "watch", f"{base}/whep", "attendee", 8)
        assert await viewer.finished(90) == 0
        decoded = viewer.decoded()
        assert decoded["video"] >= 30 and decoded["audio"] >= 50, (decoded, viewer.lines)
        assert "failed" not in viewer.states and "connected" in viewer.states
        assert "failed" not in publisher.states and "connected" in publisher.states
    finally:
        stderr = await publisher.stop()
        if viewer is not None:
            stderr += await viewer.stop()
        print(publisher.lines, stderr[-3000:], file=sys.stderr)  # shown when the test fails


def _wrong_fingerprint(sdp: str) -> str:
    """The offer with its certificate's fingerprint replaced (a middlebox or a broken encoder
    rewrote it): the handshake runs, and the certificate then fails the check."""
    return re.sub(r"(a=fingerprint:sha-256 )[0-9A-F:]+", r"\g<1>" + ":".join(["AB"] * 32), sdp)


async def test_a_failed_dtls_handshake_is_logged_and_reported_for_its_source(
    live: tuple[FastAPI, str],
    session_id: int,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    _app, url = live
    pc = RTCPeerConnection()
    pc.addTransceiver(VideoStreamTrack(), direction="sendonly")
    try:
        await pc.setLocalDescription(await pc.createOffer())
        assert pc.localDescription is not None
        async with httpx.AsyncClient(base_url=f"{url}/api/v1/stage/{session_id}") as http:
            answer = await http.post(
                "/whip",
                content=_wrong_fingerprint(pc.localDescription.sdp),
                headers={**MODERATOR, "Content-Type": "application/sdp"},
            )
            assert answer.status_code == 201, answer.text
            await pc.setRemoteDescription(RTCSessionDescription(answer.text, "answer"))

            async def failed() -> dict[str, Any] | None:
                sources = (await _stage(url, session_id))["sources"]
                return sources[0] if sources and sources[0]["failure"] else None

            source = await _until(failed, 30, "the source to be reported failed")
            assert (source["failure"], source["receiving"]) == ("dtls", False)
            taken = await http.post("/take", json={"source": source["id"]}, headers=MODERATOR)
            assert taken.status_code == 409, taken.text
            gone = await http.delete(url + answer.headers["location"], headers=MODERATOR)
            assert gone.status_code == 204
        assert (await _stage(url, session_id))["sources"] == []
    finally:
        await pc.close()
    (record,) = [r for r in caplog.records if r.name == "pavilion.stage" and "DTLS" in r.message]
    assert source["id"] in record.message and "fingerprint" in record.message


async def test_a_viewer_whose_dtls_handshake_fails_is_logged_and_ended(
    live: tuple[FastAPI, str],
    session_id: int,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    app, url = live
    stage: Stage = app.state.stage
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    try:
        await pc.setLocalDescription(await pc.createOffer())
        assert pc.localDescription is not None
        async with httpx.AsyncClient(base_url=f"{url}/api/v1/stage/{session_id}") as http:
            answer = await http.post(
                "/whep",
                content=_wrong_fingerprint(pc.localDescription.sdp),
                headers={**ATTENDEE, "Content-Type": "application/sdp"},
            )
            assert answer.status_code == 201, answer.text
        await pc.setRemoteDescription(RTCSessionDescription(answer.text, "answer"))
        viewer = answer.headers["location"].rsplit("/", 1)[1]

        async def ended() -> bool | None:
            return True if stage.viewer_counts() == {} else None

        await _until(ended, 30, "the failed viewer to end")
    finally:
        await pc.close()
    (record,) = [r for r in caplog.records if r.name == "pavilion.stage" and "DTLS" in r.message]
    assert f"viewer {viewer}" in record.message and "fingerprint" in record.message


async def test_an_encoder_that_refuses_the_handshake_is_reported_with_its_alert(
    gstreamer: str,
    live: tuple[FastAPI, str],
    session_id: int,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The stage offering ECDSA suites alone, as aiortc does by itself: GStreamer's RSA
    # certificate fits none of them, and it ends the handshake with an alert.
    monkeypatch.setattr("server.stage.dtls.CIPHERS", b"ECDHE-ECDSA-AES128-GCM-SHA256")
    _app, url = live
    whip = f"{url}/api/v1/stage/{session_id}/whip"
    publisher = await GstPeer.start(gstreamer, "publish", whip, "moderator", 60)
    try:

        async def failed() -> dict[str, Any] | None:
            sources = (await _stage(url, session_id))["sources"]
            return sources[0] if sources and sources[0]["failure"] else None

        source = await _until(failed, 40, "the source to be reported failed")
        assert (source["failure"], source["receiving"]) == ("dtls", False)
    finally:
        await publisher.stop()
    (record,) = [r for r in caplog.records if r.name == "pavilion.stage" and "DTLS" in r.message]
    assert source["id"] in record.message and "alert received: handshake_failure" in record.message
