"""Browser plumbing for the HTML tests: Debian's /usr/bin/chromium driven by playwright (its own browser download
cannot work here). Tests skip when it is absent, unless SWARMGRAPH_REQUIRE_BROWSER is set (CI), where a missing
browser is a failure.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("SWARMGRAPH_REQUIRE_BROWSER"):
            pytest.fail("SWARMGRAPH_REQUIRE_BROWSER is set but /usr/bin/chromium is missing (apt-get install chromium)")
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium); CI sets SWARMGRAPH_REQUIRE_BROWSER")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 800},
        )
        yield context
        context.close()


class OpenedPage:
    """A page with its console messages, page errors, requests and dialogs recorded from before navigation."""

    def __init__(
        self, context: Any, path: Path, ready: str = "window.swarmgraphStableAt !== undefined", timeout_s: float = 30
    ) -> None:
        self.page = context.new_page()
        self.url = path.as_uri()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)
        self.page.goto(self.url)
        self.wait_for(ready, timeout_s=timeout_s)

    def wait_for(self, expression: str, timeout_s: float) -> None:
        """Poll from outside: wait_for_function evaluates strings in the page, which its CSP forbids."""
        deadline = time.monotonic() + timeout_s
        while not self.page.evaluate(expression):
            if time.monotonic() > deadline:
                raise AssertionError(f"{expression} still false after {timeout_s}s")
            self.page.wait_for_timeout(25)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def open_page(browser_context: Any) -> Iterator[Any]:
    """open_page(path) -> OpenedPage, closed after the test."""
    opened: list[OpenedPage] = []

    def opener(path: Path, ready: str = "window.swarmgraphStableAt !== undefined", timeout_s: float = 30) -> OpenedPage:
        page = OpenedPage(browser_context, path, ready, timeout_s)
        opened.append(page)
        return page

    yield opener
    for page in opened:
        page.page.close()
