"""Browser journeys: Playwright driving Debian's Chromium against pytest-django's live server.

Screenshots and the page HTML are saved to tests/e2e/artifacts/ when a journey fails.
"""

import os
import re
import time
from pathlib import Path

import pytest

from accounts.management.commands.demo_totp import current_code
from tests.factories import TEST_PASSWORD, TEST_TOTP_SECRET

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).parent / "artifacts"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            if not Path(CHROMIUM).exists():
                item.add_marker(
                    pytest.mark.skip(
                        reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
                    )
                )


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        page = item.funcargs.get("page")
        if page is not None:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]", "_", item.nodeid)[-120:]
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
                (ARTIFACTS / f"{name}.html").write_text(page.content(), encoding="utf-8")
            except Exception:  # the page may be gone; the test's own error matters more
                pass


@pytest.fixture
def page(browser, live_server, settings):
    settings.SITE_URL = live_server.url
    context = browser.new_context(base_url=live_server.url, locale="en-GB", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


_USED_CODES = set()


def _fresh_code(email, secret):
    """A code this user has not used yet: allauth refuses a replayed code, so wait for the next 30 s step. A code
    taken in the last seconds of its step may reach the server in the next one (allauth allows no tolerance):
    wait for the next step then too."""
    while time.time() % 30 > 25:
        time.sleep(0.5)
    code = current_code(secret)
    while (email, code) in _USED_CODES:
        time.sleep(1)
        code = current_code(secret)
    _USED_CODES.add((email, code))
    return code


def sign_in(page, email, password=TEST_PASSWORD, totp_secret=None):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    if totp_secret:
        page.get_by_label("Code").fill(_fresh_code(email, totp_secret))
        page.get_by_role("button", name=re.compile("Sign In|Verify|Confirm", re.I)).click()
    page.wait_for_load_state()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


@pytest.fixture
def staff_sign_in():
    def _sign_in(page, user):
        sign_in(page, user.email, totp_secret=TEST_TOTP_SECRET)

    return _sign_in


@pytest.fixture(autouse=True)
def _fresh_cache():
    """User ids restart after each test's flush, and allauth's replay guard keys used codes by user id."""
    from django.core.cache import cache

    cache.clear()
    _USED_CODES.clear()
    yield
