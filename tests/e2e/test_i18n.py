"""The interface's two dictionaries, as the browser loads them: every text exists in both
languages (but for zone abbreviations a language has its own), and the parameters ({name},
{time}…) a text takes are the same in both."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.browser


async def test_english_and_russian_have_the_same_texts_with_the_same_parameters(
    page: Page, live_server: LiveServer
) -> None:
    await page.goto(f"{live_server.url}/?lang=en")
    found = await page.evaluate(
        """async () => {
            const { dictionary } = await import("./i18n.js");
            // A text is a string with {parameters}, or a function (plurals): compared by kind.
            const params = (text) => typeof text !== "string" ? [typeof text]
                : [...text.matchAll(/\\{(\\w+)\\}/g)].map((m) => m[1]).sort();
            const keys = (lang) => Object.keys(dictionary[lang]);
            return {
                count: keys("en").length,
                onlyEn: keys("en").filter((k) => !(k in dictionary.ru)),
                // Zone abbreviations are given only where a language has its own ("МСК");
                // elsewhere the browser's own ("MSK") is shown (time.js).
                onlyRu: keys("ru").filter((k) => !(k in dictionary.en) && !k.startsWith("zone.")),
                differ: keys("en").filter((k) => k in dictionary.ru &&
                    params(dictionary.en[k]).join() !== params(dictionary.ru[k]).join()),
            };
        }"""
    )

    assert found["count"] > 500
    assert (found["onlyEn"], found["onlyRu"], found["differ"]) == ([], [], [])
