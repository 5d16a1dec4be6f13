"""The server and the page name the same close codes (server/realtime/connection.py and
frontend/socket.js), so neither compares against a bare number the other could change."""

from __future__ import annotations

import re
from pathlib import Path

from server.realtime.connection import CloseCode

SOCKET_JS = Path(__file__).resolve().parents[2] / "frontend" / "socket.js"


def page_close_codes(text: str) -> dict[str, int]:
    """The `CloseCode` object of the page's socket module, {name: number}."""
    found = re.search(r"export const CloseCode = Object\.freeze\(\{(.*?)\}\);", text, re.S)
    assert found is not None, "frontend/socket.js exports no CloseCode"
    return {name: int(number) for name, number in re.findall(r"(\w+): (\d+),", found.group(1))}


def camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def test_every_code_the_server_closes_with_has_the_same_number_in_the_page() -> None:
    page = page_close_codes(SOCKET_JS.read_text())

    assert {camel(code.name): page.get(camel(code.name)) for code in CloseCode} == {
        camel(code.name): code.value for code in CloseCode
    }


def test_the_page_module_is_read_as_written() -> None:
    text = (
        "export const CloseCode = Object.freeze({\n"
        "  normal: 1000, // we closed it\n"
        "  tryAgainLater: 1013,\n"
        "});"
    )

    assert page_close_codes(text) == {"normal": 1000, "tryAgainLater": 1013}
