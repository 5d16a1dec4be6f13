"""How a message leaves: SMTP (production), or .eml files in a folder (demo and development,
where there is no mail server: open them with any mail client)."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

Send = Callable[[EmailMessage], Awaitable[None]]


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...

    def connection(self) -> AbstractAsyncContextManager[Send]:
        """A way to send several messages in a row (over one connection, where there is one)."""
        ...


@dataclass(frozen=True)
class SmtpTransport:
    """`smtp://user:password@host:587` (STARTTLS when the server offers it, required with a
    password), `smtps://…:465` (TLS from the start), or `smtp://host:25` (no login)."""

    hostname: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str) -> SmtpTransport:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(
                "PAVILION_SMTP_URL: expected smtp://[user:password@]host[:port] or smtps://…"
            )
        implicit = parts.scheme == "smtps"
        return cls(
            hostname=parts.hostname,
            port=parts.port or (465 if implicit else 587),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=implicit,
        )

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Send]:
        """One SMTP connection for a batch, opened at the first message (none if nothing is
        sent); a message it fails on closes it, and the error goes to the caller."""
        client: aiosmtplib.SMTP | None = None

        async def send(message: EmailMessage) -> None:
            nonlocal client
            if client is None:
                client = self._client()
                await client.connect()
                if self.username and self.password:
                    await client.login(self.username, self.password)
            try:
                await client.send_message(message)
            except BaseException:
                client.close()
                client = None
                raise

        try:
            yield send
        finally:
            if client is not None and client.is_connected:
                try:
                    await client.quit()
                except aiosmtplib.SMTPException:
                    client.close()

    def _client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.hostname,
            port=self.port,
            use_tls=self.implicit_tls,
            # None: STARTTLS if offered; a password never crosses the network in clear.
            start_tls=None if not self.password or self.implicit_tls else True,
            timeout=self.timeout,
        )

    async def send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(
            message,
            hostname=self.hostname,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.implicit_tls,
            # None: STARTTLS if offered; a password never crosses the network in clear.
            start_tls=None if not self.password or self.implicit_tls else True,
            timeout=self.timeout,
        )


@dataclass(frozen=True)
class FolderTransport:
    """Each message as `<folder>/<Message-ID>.eml`, written whole or not at all."""

    folder: Path

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._write, message)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Send]:
        yield self.send

    def _write(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = str(message["Message-ID"]).strip("<>").replace("/", "_") + ".eml"
        fd, temporary = tempfile.mkstemp(dir=self.folder, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(message.as_bytes())
            os.replace(temporary, self.folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
