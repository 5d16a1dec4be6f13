"""A stock GStreamer webrtcbin peer doing WHIP or WHEP, as an encoder or a player would.

Run by tests/integration/test_stage_gstreamer.py with the system's Python (`/usr/bin/python3`,
which has GStreamer's introspection bindings, python3-gi; the project's venv has not):

    gstreamer_peer.py publish|watch URL TOKEN SECONDS

`publish` sends a test picture (VP8) and a tone (Opus); `watch` receives the program (H.264
and Opus) and decodes it. One offer, ICE gathered before it is posted (no trickle), the
answer from the 201; then it runs for SECONDS and ends its resource with DELETE. Each line
on stdout is a JSON object: `{"state": ...}` on every change of the peer connection,
`{"location": ...}` after the answer, `{"decoded": {"video": n, "audio": n}}` (watch) once a
second and at the end.
"""

from __future__ import annotations

import json
import sys
import urllib.parse
import urllib.request
from typing import Any

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstWebRTC", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

PUBLISH = """
webrtcbin name=peer bundle-policy=max-bundle
videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1
  ! videoconvert ! vp8enc deadline=1 keyframe-max-dist=15 ! rtpvp8pay pt=96
  ! application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! peer.
audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! opusenc
  ! rtpopuspay pt=111
  ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 ! peer.
"""
WATCH_VIDEO = (
    "application/x-rtp,media=video,encoding-name=H264,payload=102,clock-rate=90000,"
    "packetization-mode=(string)1,profile-level-id=(string)42e01f"
)
WATCH_AUDIO = "application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000"


def say(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


class Peer:
    def __init__(self, mode: str, url: str, token: str, seconds: float) -> None:
        self.mode, self.url, self.token, self.seconds = mode, url, token, seconds
        self.loop = GLib.MainLoop()
        self.location: str | None = None
        self.decoded = {"video": 0, "audio": 0}
        self.posted = False
        if mode == "publish":
            self.pipeline = Gst.parse_launch(PUBLISH)
        else:
            self.pipeline = Gst.Pipeline.new("watch")
            self.pipeline.add(Gst.ElementFactory.make("webrtcbin", "peer"))
        self.webrtc = self.pipeline.get_by_name("peer")
        if mode == "publish":
            for transceiver in self._transceivers():
                transceiver.set_property("direction", _direction("SENDONLY"))
        else:
            for caps in (WATCH_VIDEO, WATCH_AUDIO):
                self.webrtc.emit(
                    "add-transceiver", _direction("RECVONLY"), Gst.Caps.from_string(caps)
                )
            self.webrtc.connect("pad-added", self._incoming)
        self.webrtc.connect("on-negotiation-needed", self._negotiate)
        self.webrtc.connect("notify::connection-state", self._state)
        self.webrtc.connect("notify::ice-gathering-state", self._gathered)
        self.offered = False

    def _transceivers(self) -> list[Any]:
        found = []
        index = 0
        while (transceiver := self.webrtc.emit("get-transceiver", index)) is not None:
            found.append(transceiver)
            index += 1
        return found

    def run(self) -> int:
        self.pipeline.set_state(Gst.State.PLAYING)
        GLib.timeout_add_seconds(1, self._report)
        self.loop.run()
        self._leave()
        self.pipeline.set_state(Gst.State.NULL)
        say(decoded=self.decoded)
        return 0

    def _negotiate(self, *_args: object) -> None:
        if self.offered:
            return
        self.offered = True
        promise = Gst.Promise.new_with_change_func(self._offered, None)
        self.webrtc.emit("create-offer", None, promise)

    def _offered(self, promise: Gst.Promise, _data: object) -> None:
        reply = promise.get_reply()
        offer = reply.get_value("offer")
        if offer is None:
            say(error=f"no offer: {reply.to_string()}")
            self.loop.quit()
            return
        self.webrtc.emit("set-local-description", offer, Gst.Promise.new())

    def _gathered(self, *_args: object) -> None:
        state = self.webrtc.get_property("ice-gathering-state")
        if state != GstWebRTC.WebRTCICEGatheringState.COMPLETE or self.posted:
            return
        self.posted = True
        GLib.idle_add(self._post)

    def _post(self) -> bool:
        offer = self.webrtc.get_property("local-description").sdp.as_text()
        request = urllib.request.Request(
            self.url,
            data=offer.encode(),
            method="POST",
            headers={"Content-Type": "application/sdp", "Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                sdp, location = answer.read().decode(), answer.headers["Location"]
        except Exception as exc:
            say(error=f"{type(exc).__name__}: {exc}")
            self.loop.quit()
            return False
        self.location = urllib.parse.urljoin(self.url, location)
        say(location=self.location)
        _result, message = GstSdp.SDPMessage.new_from_text(sdp)
        description = GstWebRTC.WebRTCSessionDescription.new(
            GstWebRTC.WebRTCSDPType.ANSWER, message
        )
        self.webrtc.emit("set-remote-description", description, Gst.Promise.new())
        GLib.timeout_add(int(self.seconds * 1000), self._done)
        return False

    def _state(self, *_args: object) -> None:
        state = self.webrtc.get_property("connection-state")
        say(state=state.value_nick)

    def _incoming(self, _webrtc: Any, pad: Gst.Pad) -> None:
        if pad.direction != Gst.PadDirection.SRC:
            return
        decode = Gst.ElementFactory.make("decodebin")
        decode.connect("pad-added", self._decoded)
        self.pipeline.add(decode)
        decode.sync_state_with_parent()
        pad.link(decode.get_static_pad("sink"))

    def _decoded(self, _decode: Any, pad: Gst.Pad) -> None:
        kind = "video" if pad.get_current_caps().to_string().startswith("video") else "audio"
        sink = Gst.ElementFactory.make("fakesink")
        sink.set_property("signal-handoffs", True)
        sink.set_property("sync", False)
        sink.connect("handoff", lambda *_a: self._count(kind))
        self.pipeline.add(sink)
        sink.sync_state_with_parent()
        pad.link(sink.get_static_pad("sink"))

    def _count(self, kind: str) -> None:
        self.decoded[kind] += 1

    def _report(self) -> bool:
        if self.mode == "watch":
            say(decoded=self.decoded)
        return True

    def _done(self) -> bool:
        self.loop.quit()
        return False

    def _leave(self) -> None:
        if self.location is None:
            return
        request = urllib.request.Request(
            self.location, method="DELETE", headers={"Authorization": f"Bearer {self.token}"}
        )
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except Exception as exc:  # gone already (its connection failed): said, not fatal
            say(leave=f"{type(exc).__name__}: {exc}")


def _direction(name: str) -> Any:
    return getattr(GstWebRTC.WebRTCRTPTransceiverDirection, name)


def main() -> int:
    mode, url, token, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    Gst.init(None)
    return Peer(mode, url, token, seconds).run()


if __name__ == "__main__":
    sys.exit(main())
