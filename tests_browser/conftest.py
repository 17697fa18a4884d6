"""Browser tests of the built example site: Playwright driving Debian's Chromium.

The site must be built first (``nox -s browser`` does it).  The browser is the
system Chromium (``playwright install`` cannot download one here): when it is
missing the tests fail, they do not skip.  Every request the page makes is
recorded, so a test can assert that nothing left the local test server.
"""

from __future__ import annotations

import functools
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("DEPLOYPLAN_SITE_HTML", ROOT / "example_site" / "_build" / "html"))
CHROMIUM = os.environ.get("DEPLOYPLAN_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("DEPLOYPLAN_SCREENSHOTS",
                                  ROOT / "example_site" / "_build" / "screenshots"))
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def server():
    """The built site, served on 127.0.0.1 from this process."""
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site at {SITE}: run `nox -s site` (or `nox -s browser`) first")
    handler = functools.partial(_Quiet, directory=str(SITE))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: install Debian's chromium "
                    f"(apt-get install chromium) or set DEPLOYPLAN_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class Visit:
    """A browser context whose requests are all recorded."""

    def __init__(self, browser, server: str, **context_options) -> None:
        self.server = server
        self.requests: list[str] = []
        self.context = browser.new_context(**context_options)
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page = self.context.new_page()

    def open(self, path: str):
        self.page.goto(f"{self.server}/{path}")
        self.page.wait_for_load_state("networkidle")
        return self.page

    def foreign_requests(self) -> list[str]:
        local = urlsplit(self.server).netloc
        return [url for url in self.requests
                if urlsplit(url).scheme not in ("data", "blob", "about")
                and urlsplit(url).netloc != local]


@pytest.fixture
def visit(browser, server):
    visits: list[Visit] = []

    def make(**context_options) -> Visit:
        v = Visit(browser, server, **context_options)
        visits.append(v)
        return v

    yield make
    for v in visits:
        assert v.foreign_requests() == [], "a request left the test server"
        v.context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
