"""Every page of every role's journey, in English and Korean, at 1280 and 1024 px, on the demo data.

Each page must fit its window (no sideways scroll: wide tables scroll in their own box), log no console error and no
Content-Security-Policy violation, and have no serious or critical accessibility violation by axe-core (vendored from
the npm registry into tests/e2e/vendor by `make vendor`; it is injected through the browser's debugging protocol,
which the page's CSP does not govern, so the page itself still runs under its real policy).

The pages are the role's navigation (its bar and its account menu) and the first detail page behind each listing, so
a page added to the menu is checked without editing this file.
"""

import re
import time
from io import StringIO
from pathlib import Path

import pytest

from accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from accounts.management.commands.demo_totp import current_code

pytestmark = pytest.mark.django_db(transaction=True)

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
WIDTHS = (1280, 1024)
LANGUAGES = ("en", "ko")
ROLES = {
    "applicant": "applicant@demo.ipfin.kr",
    "case officer": "officer@demo.ipfin.kr",
    "approver": "approver@demo.ipfin.kr",
    "valuer": "valuer@demo.ipfin.kr",
    "lender officer": "lender@demo.ipfin.kr",
    "fund manager": "fundmanager@demo.ipfin.kr",
    "official": "official@demo.ipfin.kr",
}
# Not journey pages: the admin is Django's own, downloads are not pages.
SKIP = re.compile(r"^/admin/|/download|/export|\.(pdf|csv|xlsx)$|/documents/")
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline")));
"""
MEASURE = """() => ({
  scroll: document.documentElement.scrollWidth,
  client: document.documentElement.clientWidth,
  wide: [...document.querySelectorAll("main *, header *")]
    .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                    && !el.closest(".table-responsive, .visually-hidden, .dropdown-menu"))
    .slice(0, 3).map((el) => el.tagName.toLowerCase() + "." + [...el.classList].join(".")),
})"""
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => v.id + ": " + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | "));
}"""


@pytest.fixture
def demo(transactional_db):
    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())


_USED = set()


def sign_in_as(page, email):
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main button.btn-primary").first.click()
    page.wait_for_load_state()
    if "/2fa/authenticate" in page.url:
        code = current_code(DEMO_TOTP_SECRET)
        while (email, code) in _USED:  # allauth refuses a replayed code
            time.sleep(1)
            code = current_code(DEMO_TOTP_SECRET)
        _USED.add((email, code))
        page.locator("#id_code").fill(code)
        page.locator("main button.btn-primary").first.click()
        page.wait_for_load_state()
    assert "/accounts/login/" not in page.url and "/2fa/" not in page.url, f"{email} could not sign in"


def journey_pages(page):
    """The role's menu, then the first detail page behind each listing (links found in the page, not hard-coded)."""
    menu = page.eval_on_selector_all(
        "#main-nav a.nav-link, #main-nav a.dropdown-item", "links => links.map((a) => a.getAttribute('href'))"
    )
    pages = [href for href in dict.fromkeys(["/", *menu]) if not SKIP.search(href)]
    details = []
    for href in list(pages):
        page.goto(href)
        found = page.eval_on_selector_all(
            "main table a[href^='/'], main .list-group a[href^='/']",
            "links => links.map((a) => a.getAttribute('href'))",
        )
        details += [link for link in found[:1] if not SKIP.search(link) and link not in pages + details]
    return pages + details


def check(page, href, problems, errors):
    page.goto(href)
    page.wait_for_load_state()
    csp = page.evaluate("window.__cspViolations || []")
    if csp:
        problems.append(f"{href}: CSP violation {csp}")
    if errors:
        problems.append(f"{href}: console errors {errors[:3]}")
    errors.clear()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        size = page.evaluate(MEASURE)
        if size["scroll"] > size["client"]:
            problems.append(f"{href} at {width} px: {size['scroll']} px wide, {size['wide']}")
    page.evaluate(AXE)
    for violation in page.evaluate(AXE_RUN):
        problems.append(f"{href}: axe {violation}")


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_the_role_fits_at_1280_and_1024_px_in_both_languages_without_errors_and_passes_axe(
    browser, live_server, demo, role
):
    problems, errors = [], []
    for language in LANGUAGES:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
        )
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in_as(page, ROLES[role])
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        pages = journey_pages(page)
        assert len(pages) >= 4, pages
        errors.clear()
        for href in pages:
            check(page, href, problems, errors)
        assert page.locator("html").get_attribute("lang") == language
        context.close()
    assert not problems, "\n".join(problems)


def test_the_staff_bar_keeps_the_user_and_sign_out_on_screen_at_1280_px(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in_as(page, ROLES["case officer"])
    for language in LANGUAGES:
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page.goto("/casework/")
        sign_out = page.get_by_role("button", name=re.compile("Sign out|로그아웃"))
        box = sign_out.bounding_box()
        assert sign_out.is_visible() and box["x"] + box["width"] <= 1280
        account = page.get_by_test_id("account-menu")
        assert account.bounding_box()["x"] + account.bounding_box()["width"] <= 1280
        account.click()
        assert page.get_by_role("link", name=re.compile("Security|보안")).is_visible()
    context.close()


def test_korean_words_are_not_broken_inside_the_navigation(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in_as(page, ROLES["case officer"])
    context.add_cookies([{"name": "django_language", "value": "ko", "url": live_server.url}])
    page.goto("/casework/")
    heights = page.eval_on_selector_all(
        "#main-nav a.nav-link",
        "links => links.map((a) => [a.textContent.trim(), a.getClientRects().length, a.offsetHeight])",
    )
    line = min(height for _, _, height in heights)
    broken = [text for text, _, height in heights if height > line * 1.5]
    assert not broken, f"menu items on more than one line: {broken}"
    assert page.evaluate("getComputedStyle(document.querySelector('main')).wordBreak") == "keep-all"
    context.close()
