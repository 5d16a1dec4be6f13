"""Public JSON of the stage's HTTP answers (the OpenAPI document's source). The stage's state
is the same thing the `stage.state` push carries (server/stage/pushes.py)."""

from __future__ import annotations

from server.realtime.ice import IceServer
from server.stage.pushes import StageState


class StageView(StageState):
    """The stage as its page starts from: its state, and the STUN/TURN servers the page's
    peer connections should use (as RTCPeerConnection takes them; TURN with my credential)."""

    ice_servers: list[IceServer]
