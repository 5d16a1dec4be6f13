"""Security headers on every HTTP response: no sniffing, no framing, scripts only from us."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Styles may be inline (web components style their shadow roots); scripts may not.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self' ws: wss:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
]
# FastAPI's interactive docs load their scripts from a CDN; they get no CSP.
DOCS_PATHS = ("/docs", "/redoc")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with_csp = not scope["path"].startswith(DOCS_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                headers.extend(HEADERS)
                if with_csp:
                    headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
            await send(message)

        await self.app(scope, receive, send_with_headers)
