"""Errors carry codes and particulars, not only English sentences: a client words them in
the reader's language and zone (frontend/api.js `wordProblem`)."""

from __future__ import annotations

import httpx

from server.errors import ErrorPublic


async def test_bad_input_names_each_problem_by_a_code_with_its_particulars(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.post("/api/v1/auth/login", json={"email": "a@example.test"})

    assert answer.status_code == 422
    error = ErrorPublic.model_validate(answer.json()).error
    assert (error.code, error.field) == ("invalid", "password")
    assert [(p.field, p.reason, p.params) for p in error.problems or []] == [
        ("password", "missing", None)
    ]


async def test_a_limit_comes_with_its_bound_for_the_client_to_say(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.put(
        "/api/v1/stands/any-stand/consent", json={"share": ["email"] * 6}
    )

    assert answer.status_code == 422
    (problem,) = ErrorPublic.model_validate(answer.json()).error.problems or []
    assert (problem.field, problem.reason) == ("share", "too_long")
    assert problem.params is not None and problem.params["max_length"] == 5
