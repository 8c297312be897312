"""A real browser (Debian's Chromium through Playwright) against pytest-django's live server.

The SQLite test database is a file (config.settings.test), so the live server's thread and the
test share it; `live_server` brings a transactional database, flushed after each test.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import require_or_skip
from tests.factories import DEFAULT_PASSWORD, CreatorFactory

SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 375, "height": 812}
LAPTOP = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    require_or_skip("chromium", executable is not None)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the package is in requirements-dev.txt
        require_or_skip("playwright", False)
    # Playwright's sync API keeps an event loop in this thread; Django's ORM refuses to run
    # "inside" it unless told that this test process knows what it is doing.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
            yield instance
            instance.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def e2e_creator(transactional_db):
    return CreatorFactory(slug="studio-e2e", display_name="Studio E2E", user__email="studio@example.com")


@pytest.fixture(scope="session")
def _no_media_route():
    """Django's live server wraps the app in a media handler built from MEDIA_URL, which is None
    here (media is private) and breaks that handler. A URL on another host makes it serve nothing,
    so files still leave only through the authorised views."""
    from django.conf import settings

    original = settings.MEDIA_URL
    settings.MEDIA_URL = "http://media.invalid/"
    yield
    settings.MEDIA_URL = original


# Every page of a test context reports what the Content-Security-Policy blocked.
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolation(`${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}`
    + ` (${event.sourceFile || document.location.href}:${event.lineNumber}) on ${document.location.pathname}`);
}, true);
"""


def checked_page(browser, base_url: str, viewport=LAPTOP):
    """A fresh browser context and page; any server error (5xx) or Content-Security-Policy
    violation (a blocked script, style, image, frame...) seen on the way fails the test."""
    context = browser.new_context(viewport=viewport, base_url=base_url)
    problems = []
    context.expose_function("__cspViolation", lambda text: problems.append(f"CSP: {text}"))
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("response", lambda r: problems.append(f"server error: {r.status} {r.url}") if r.status >= 500 else None)
    yield page
    for open_page in context.pages:
        open_page.evaluate("0")  # a round trip: reports still in flight arrive first
    context.close()
    assert not problems, "\n".join(problems)


def _page(browser, live_server, viewport):
    yield from checked_page(browser, live_server.url, viewport)


@pytest.fixture
def phone(browser, _no_media_route, live_server):
    """A phone-sized page (375 px wide): every flow must be usable there."""
    yield from _page(browser, live_server, PHONE)


@pytest.fixture
def laptop(browser, _no_media_route, live_server):
    yield from _page(browser, live_server, LAPTOP)


def log_in(page, email="studio@example.com", password=DEFAULT_PASSWORD):
    page.goto("/fans/")
    assert "/auth/login" in page.url  # the pages are gated
    page.get_by_label("Email or username").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/fans/")


def snap(page, name: str) -> None:
    """Save a full-page screenshot and check nothing overflows the viewport's width."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    viewport_width = page.viewport_size["width"]
    assert scroll_width <= viewport_width, f"{name}: {scroll_width}px of content in a {viewport_width}px viewport"
