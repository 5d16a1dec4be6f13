"""DTLS for the stage's peer connections: cipher suites every stock WebRTC peer shares, and a
failed handshake told apart from a network that never connected.

aiortc (pinned, 1.16) answers WHIP and WHEP offers as the DTLS client and offers only
ECDHE-ECDSA suites. A peer with an RSA certificate then finds no suite it can use:
GStreamer's webrtcbin, for one, fails with `no shared cipher`. RFC 8827 (section 6.5) makes
TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 mandatory beside the ECDSA one, so `accept_rsa_peers`
adds the ECDHE-RSA suites to the context aiortc builds (its `RTCCertificate._create_ssl_context`,
the one place it sets them). tests/integration/test_stage_gstreamer.py publishes and watches
with GStreamer, so a new aiortc that builds its context elsewhere fails there.

aiortc ends a failed handshake quietly (a debug line, the transport's state `failed`);
`Handshakes` keeps OpenSSL's reason for each of a peer connection's transports, so the stage
can log it against its source and say on the wire that the handshake failed.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import partial
from typing import Any

from aiortc import RTCDtlsTransport, RTCPeerConnection
from aiortc.rtcdtlstransport import RTCCertificate
from OpenSSL import SSL

# ECDSA first (aiortc's own order), each with its RSA twin: what a Chromium or Firefox offers.
CIPHERS = b":".join(
    [
        b"ECDHE-ECDSA-AES128-GCM-SHA256",
        b"ECDHE-RSA-AES128-GCM-SHA256",
        b"ECDHE-ECDSA-CHACHA20-POLY1305",
        b"ECDHE-RSA-CHACHA20-POLY1305",
        b"ECDHE-ECDSA-AES128-SHA",
        b"ECDHE-RSA-AES128-SHA",
        b"ECDHE-ECDSA-AES256-SHA",
        b"ECDHE-RSA-AES256-SHA",
    ]
)


class LinkFailure(StrEnum):
    """Why a peer connection failed before it ever connected (on the wire in `stage.state`)."""

    ice = "ice"  # no network path: no candidate pair answered
    dtls = "dtls"  # the encryption handshake failed (no shared suite, a wrong fingerprint)


def accept_rsa_peers() -> None:
    """Make every DTLS context aiortc builds in this process offer the ECDHE-RSA suites too
    (once; the stage calls it as it starts)."""
    original = RTCCertificate._create_ssl_context
    if getattr(original, "accepts_rsa", False):
        return

    def create(self: RTCCertificate, srtp_profiles: list[Any]) -> SSL.Context:
        context = original(self, srtp_profiles)
        context.set_cipher_list(CIPHERS)
        return context

    create.accepts_rsa = True  # type: ignore[attr-defined]
    RTCCertificate._create_ssl_context = create  # type: ignore[method-assign]


class Handshakes:
    """Watches a peer connection's DTLS transports (made by its offer and answer: watch after
    `setLocalDescription`, before any await) and keeps OpenSSL's reason when one fails."""

    def __init__(self, pc: RTCPeerConnection) -> None:
        self._pc = pc
        self.errors: list[str] = []
        self._transports: list[RTCDtlsTransport] = []
        for transceiver in pc.getTransceivers():
            transport = transceiver.receiver.transport
            if transport not in self._transports:
                self._transports.append(transport)
                self._watch(transport)

    def _watch(self, transport: RTCDtlsTransport) -> None:
        handshake = transport._do_handshake
        errors = self.errors

        async def watched() -> None:
            # aiortc catches the SSL error of a failed handshake and keeps only its state.
            connection = transport._ssl  # made by `start`, just before this
            assert connection is not None
            step: Callable[[], None] = connection.do_handshake
            alerts: list[str] = []  # OpenSSL's error queue is empty when the peer refused

            def reported() -> None:
                try:
                    step()
                except SSL.WantReadError:
                    raise
                except SSL.Error as exc:
                    errors.append(_words(exc) or "; ".join(alerts) or "no reason given")
                    raise

            connection.do_handshake = reported  # type: ignore[method-assign]
            connection.set_info_callback(partial(_alert, alerts))
            await handshake()

        transport._do_handshake = watched  # type: ignore[method-assign]

    def failure(self) -> tuple[LinkFailure, str] | None:
        """Why the connection failed, with the words for the log; None while it has not."""
        failed = [t for t in self._transports if t.state == "failed"]
        if failed:
            if self.errors:
                return LinkFailure.dtls, self.errors[-1]
            encrypted = any(getattr(t, "encrypted", False) for t in failed)
            # After a completed handshake aiortc checks the peer's certificate against the
            # offer's fingerprint, then the SRTP profile: the first is what fails in practice.
            why = "the certificate does not match the offer's fingerprint" if encrypted else ""
            return LinkFailure.dtls, why or "the handshake did not complete"
        if self._pc.connectionState == "failed":
            return LinkFailure.ice, "no candidate pair answered (ICE failed)"
        return None


def _words(error: SSL.Error) -> str:
    """OpenSSL's reasons in an SSL error, e.g. `no shared cipher` (may be none)."""
    queue = error.args[0] if error.args and isinstance(error.args[0], list) else []
    return "; ".join(str(part[2]) for part in queue if len(part) == 3 and part[2])


# TLS alert descriptions (RFC 8446 section 6) a refused WebRTC handshake ends with.
ALERTS = {
    40: "handshake_failure (no common cipher suite or parameters)",
    42: "bad_certificate",
    43: "unsupported_certificate",
    46: "certificate_unknown",
    47: "illegal_parameter",
    51: "decrypt_error",
    70: "protocol_version",
    71: "insufficient_security",
    80: "internal_error",
    110: "unsupported_extension",
}


def _alert(alerts: list[str], _connection: SSL.Connection, where: int, code: int) -> None:
    """An info callback: note each alert sent or received during the handshake."""
    if where & SSL.SSL_CB_ALERT:
        sent = "sent" if where & SSL.SSL_CB_WRITE else "received"
        description = code & 0xFF
        alerts.append(f"alert {sent}: {ALERTS.get(description, description)}")
