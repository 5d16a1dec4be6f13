"""The organiser's side of a rehearsal over HTTP: which forum the token organises, starting and
ending the rehearsal, reading the node's /metrics."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

import httpx

END_ATTEMPTS = 4


class RehearseError(Exception):
    """Something the person running the command must fix (a refused token, a bad option)."""


def _problem(answer: httpx.Response) -> str:
    try:
        error = answer.json()["error"]
        return f"{answer.status_code} {error.get('code')}: {error.get('message')}"
    except (ValueError, KeyError, TypeError):
        return f"{answer.status_code}: {answer.text[:200]}"


class Organiser:
    """An HTTP client signed in with the organiser's bearer token."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(30.0, read=300.0),  # removing 5,000 accounts takes a while
        )

    async def __aenter__(self) -> Organiser:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self._http.aclose()

    async def forum(self) -> str:
        """The one forum the token organises (RehearseError if none, or several)."""
        answer = await self._http.get("/api/v1/me")
        if answer.status_code != 200:
            raise RehearseError(f"the token was refused: {_problem(answer)}")
        forums = sorted(
            {r["forum_slug"] for r in answer.json().get("roles", []) if r["role"] == "organiser"}
        )
        if not forums:
            raise RehearseError("this token organises no forum: use an organiser's token")
        if len(forums) > 1:
            raise RehearseError(f"this token organises several forums; add --forum one of {forums}")
        return str(forums[0])

    async def start(
        self, forum: str, attendees: int, minutes: int, session: int | None
    ) -> dict[str, Any]:
        body = {"attendees": attendees, "minutes": minutes, "session": session}
        answer = await self._http.post(f"/api/v1/forums/{forum}/rehearsals", json=body)
        if answer.status_code != 201:
            raise RehearseError(f"the rehearsal could not start: {_problem(answer)}")
        created: dict[str, Any] = answer.json()
        return created

    async def end(self, forum: str, rehearsal: int) -> dict[str, Any]:
        """Remove the rehearsal (idempotent), trying again while the server is busy; its
        state afterwards."""
        path = f"/api/v1/forums/{forum}/rehearsals/{rehearsal}"
        problem = "no answer"
        for attempt in range(1, END_ATTEMPTS + 1):
            try:
                answer = await self._http.delete(path)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if answer.status_code == 200:
                    state: dict[str, Any] = answer.json()
                    return state
                problem = _problem(answer)
                if answer.status_code not in (429, 500, 502, 503, 504):
                    break
            await asyncio.sleep(min(30.0, 2.0**attempt))
        raise RehearseError(problem)

    async def metrics(self) -> str:
        answer = await self._http.get("/metrics", timeout=10.0)
        if answer.status_code != 200:
            raise RehearseError(_problem(answer))
        return answer.text
