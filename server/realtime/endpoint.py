"""The `/ws` endpoint: authenticate in the handshake, then read frames until the client goes.

Refusals happen before the socket is accepted, as an HTTP answer with the usual error body
(403 for a foreign Origin, 401 without valid credentials, 429 beyond the sockets a user may
hold). Under overload a node sheds new sockets instead: accepted and closed at once with 1013
and a retry hint in the reason, which a browser's page can read. A cookie rides along with
cross-site handshakes, so a cookie-authenticated socket needs an Origin of ours; `?token=`
(what non-browser clients use) is never sent implicitly.
"""

from __future__ import annotations

import asyncio
import json
import logging

from fastapi import WebSocket
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

from server.credentials import SESSION_COOKIE
from server.errors import Busy, Invalid, error_body
from server.metrics import Metrics
from server.realtime import frames
from server.realtime.connection import (
    TRANSPORT_KEY,
    CloseCode,
    Connection,
    capture_transport,
)
from server.realtime.dispatch import Dispatcher
from server.realtime.hub import Hub
from server.realtime.limits import TokenBucket
from server.realtime.person import Identify, Person
from server.settings import Settings

log = logging.getLogger("pavilion.ws")
PATH = "/ws"


class _Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def allowed_origins(settings: Settings) -> set[str]:
    """The page origins that may open a socket: the allowed origins and the public URL's."""
    return {*(o.rstrip("/") for o in settings.allowed_origins), settings.public_url.rstrip("/")}


async def _authenticate(websocket: WebSocket) -> tuple[Person, str]:
    """Who opens this socket, and the sign-in token they opened it with."""
    settings: Settings = websocket.app.state.settings
    origin = websocket.headers.get("origin")
    if origin is not None and origin.rstrip("/") not in allowed_origins(settings):
        raise _Refusal(403, "forbidden", f"origin: {origin} may not open Pavilion sockets")
    token = websocket.query_params.get("token")
    if not token:
        token = websocket.cookies.get(SESSION_COOKIE)
        if token and origin is None:
            raise _Refusal(403, "forbidden", "origin: a cookie-authenticated socket needs Origin")
    if not token:
        raise _Refusal(401, "unauthorized", "sign in first (session cookie or ?token=)")
    identify: Identify = websocket.app.state.identify
    async with websocket.app.state.db.session() as db:
        user = await identify(db, websocket.app.state.clock, token)
    if user is None:
        raise _Refusal(401, "unauthorized", "token: not valid (expired or signed out)")
    return user, token


def _overload(hub: Hub, dispatcher: Dispatcher, settings: Settings) -> Busy | None:
    """Why this node takes no new socket now (or None): it holds as many as it may, or its
    line of joins is already longer than a newcomer should wait."""
    if hub.socket_count >= settings.ws_max_sockets:
        return Busy.after("ws_sockets", 5, "sockets: this node is full")
    joins = dispatcher.joins
    expected = joins.expected_wait()
    if expected > joins.wait:
        return Busy.after("ws_joins", expected, "sockets: many people are arriving at once")
    return None


async def _shed(websocket: WebSocket, busy: Busy, metrics: Metrics) -> None:
    """Turn a socket away under overload: accepted, then closed at once with 1013 (Try Again
    Later) and a reason a page can read, `{"code": "busy", "retry_after": N}` (a refused
    handshake would reach a browser as a bare 1006)."""
    metrics.ws_refused.labels(str(busy.details.get("bound", "busy"))).inc()
    reason = json.dumps({"code": busy.code, "retry_after": busy.details.get("retry_after", 5)})
    await websocket.accept()
    await websocket.close(CloseCode.try_again_later, reason)


async def _refuse(websocket: WebSocket, refusal: _Refusal) -> None:
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        body = error_body(refusal.code, refusal.message)
        await websocket.send_denial_response(JSONResponse(body, refusal.status))
    else:
        await websocket.close(CloseCode.policy_violation, refusal.message[:120])


async def room_socket(websocket: WebSocket) -> None:
    """One socket per tab, multiplexing rooms (DESIGN.md section 4)."""
    hub: Hub = websocket.app.state.hub
    settings: Settings = websocket.app.state.settings
    dispatcher: Dispatcher = websocket.app.state.dispatcher
    metrics: Metrics = websocket.app.state.metrics
    try:
        overload = _overload(hub, dispatcher, settings)
        if overload is not None:
            await _shed(websocket, overload, metrics)
            return
        user, token = await _authenticate(websocket)
        assert user.id is not None
        if not hub.has_room_for(user.id):
            raise _Refusal(
                429, "rate_limited", f"sockets: at most {hub.sockets_per_user} open per person"
            )
    except _Refusal as refusal:
        metrics.ws_refused.labels(refusal.code).inc()
        await _refuse(websocket, refusal)
        return
    except Busy as busy:  # the database could not answer in time
        await _shed(websocket, busy, metrics)
        return
    await websocket.accept()
    conn = Connection(
        websocket,
        user,
        outbox_size=settings.ws_outbox_frames,
        outbox_bytes=settings.ws_outbox_bytes,
        transport=websocket.scope.get(TRANSPORT_KEY),
        bucket=TokenBucket(settings.ws_rate_per_socket, settings.ws_rate_per_socket * 2),
        user_bucket=websocket.app.state.user_buckets.bucket_for(user.id),
        credential=token,
        verified_at=websocket.app.state.clock.now(),
    )
    hub.register(conn)
    conn.start()
    try:
        await _read(websocket, conn, websocket.app.state.dispatcher)
    finally:
        hub.unregister(conn)
        await conn.finish()


async def _read(websocket: WebSocket, conn: Connection, dispatcher: Dispatcher) -> None:
    """Answer frames until the client goes or the server closes the socket.

    Waiting for the next frame ends as soon as the server closes the socket (a client that fell
    behind, 1013, may never send again; `Connection.close` cancels the wait), and the caller
    takes the socket out of its rooms only once this returns. A frame being answered is always
    answered to the end. No task or future is kept per socket for any of it."""
    task = asyncio.current_task()
    while conn.closed is None:
        conn.reader = task
        try:
            message = await websocket.receive()
        except asyncio.CancelledError:
            if conn.closed is None or task is None:
                raise  # cancelled from outside (the server stopping): not ours to swallow
            task.uncancel()
            return
        except (WebSocketDisconnect, RuntimeError):
            return
        finally:
            conn.reader = None
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None:
            problem = Invalid("frame: send JSON text frames, not binary", field="frame")
            conn.send(frames.error(None, problem))
            continue
        if len(text) > frames.MAX_FRAME_BYTES // 4 and len(text.encode()) > frames.MAX_FRAME_BYTES:
            conn.close(CloseCode.message_too_big, "frame larger than 64 KiB")
            return
        await dispatcher.handle(conn, text)


class SocketEntry:
    """ASGI middleware (the outermost of ours): a room socket's handshake goes straight to its
    endpoint, with the server's TCP transport noted for the direct path, past the HTTP
    middlewares (access log, metrics, headers) and the router. They do nothing for a socket,
    but each would hold a frame of its own for as long as the socket lives: thousands of
    sockets, thousands of each."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            capture_transport(scope, send)
            if scope["path"] == PATH:
                await room_socket(WebSocket(scope, receive, send))
                return
        await self.app(scope, receive, send)
