"""Who holds a socket, as the realtime layer knows them.

The realtime layer sits below every domain, accounts included, so it names no account model:
it knows a person by id (and by the name shown beside what they write in a room), and the app
tells it who holds a sign-in token (`Identify`, given in `create_app`). An account satisfies
`Person` as it is; nothing is copied."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock


class Person(Protocol):
    """Someone signed in on a socket."""

    @property
    def id(self) -> int | None: ...

    @property
    def name(self) -> str: ...


# Who holds this sign-in token (None: nobody, or it expired or was signed out).
Identify = Callable[[AsyncSession, Clock, str], Awaitable[Person | None]]
