"""Browser journeys of the reports: every chart is drawn under the production Content-Security-Policy.

Each page is watched for console errors, uncaught exceptions and CSP violations (the policy's
``securitypolicyviolation`` events, recorded by a script added before the page's own); each chart is screenshotted
and must show the palette's colours on a light background, not the black rectangle an SVG whose styles were blocked
paints. ``E2E_SCREENSHOTS=1`` keeps the screenshots in tests/e2e/artifacts/ to look at.
"""

import io
import os
import re

import pytest
from django.core.management import call_command
from PIL import Image

from accounts.roles import Role
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
});
"""
PALETTE = [(0x0D, 0x6E, 0xFD), (0xDC, 0x35, 0x45), (0x19, 0x87, 0x54), (0xFD, 0x7E, 0x14)]


def _watch(page):
    problems = []
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    page.on(
        "console",
        lambda msg: (
            msg.type == "error" and problems.append(f"console on {page.url}: {msg.text} {msg.location}")
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    return problems


def _assert_clean(page, problems):
    violations = page.evaluate("window.__cspViolations || []")
    assert not problems and not violations, (problems, violations)


def _near(pixel, colour, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def _assert_charts_drawn(page, name):
    """Every chart on the page: mostly light (not a black rectangle) with marks in the palette's colours."""
    charts = page.locator("svg.pygal-chart")
    assert charts.count() > 0, f"no chart on {name}"
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        png = chart.screenshot()
        if os.environ.get("E2E_SCREENSHOTS"):
            ARTIFACTS.mkdir(exist_ok=True)
            (ARTIFACTS / f"chart-{name}-{index}.png").write_bytes(png)
        image = Image.open(io.BytesIO(png)).convert("RGB")
        pixels = list(image.getdata())
        dark = sum(1 for p in pixels if sum(p) < 120) / len(pixels)
        marks = sum(1 for p in pixels if any(_near(p, colour) for colour in PALETTE))
        assert dark < 0.2, f"{name} chart {index} is {dark:.0%} black"
        assert marks > 50, f"{name} chart {index} draws no coloured mark ({marks} pixels)"
        background = chart.locator(".plot > .background").first
        assert background.evaluate("e => getComputedStyle(e).fill") == "rgb(255, 255, 255)"


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=io.StringIO())


def test_an_official_sees_every_chart_of_the_fund_report_dashboard_and_portfolio_drawn_without_csp_errors(
    page, staff_sign_in, demo
):
    official = make_user(Role.OFFICIAL)
    problems = _watch(page)
    staff_sign_in(page, official)
    page.get_by_role("link", name="Reports").first.click()
    page.get_by_role("link", name=re.compile("Fund utilisation — K-Content")).first.click()
    page.wait_for_load_state("networkidle")
    _assert_charts_drawn(page, "fund-report")
    _assert_clean(page, problems)
    page.get_by_role("link", name="Program dashboard").first.click()
    page.wait_for_load_state("networkidle")
    _assert_charts_drawn(page, "dashboard")
    _assert_clean(page, problems)
    page.goto("/dashboards/portfolio/")
    page.wait_for_load_state("networkidle")
    _assert_charts_drawn(page, "portfolio")
    _assert_clean(page, problems)


def test_an_official_asks_for_a_report_in_korean_follows_the_run_and_reads_it_with_charts_drawn(
    page, staff_sign_in, demo, settings
):
    from funds.models import Fund

    settings.REPORT_FILES_RENDER = (
        True  # the worker renders the PDF and XLSX once; the download reads the file
    )

    official = make_user(Role.OFFICIAL)
    k_content = Fund.objects.get(name="K-Content IP Fund of Funds (demo)")
    problems = _watch(page)
    staff_sign_in(page, official)
    with page.expect_navigation():
        page.get_by_label("Language").select_option("ko")
    page.wait_for_selector("html[lang=ko]")
    page.goto("/reporting/")
    page.locator("#id_kind").select_option("fund_utilisation")
    page.locator("#id_scope").select_option(f"fund:{k_content.pk}")
    page.locator("#id_period_start").fill("2025-06-01")
    page.locator("#id_period_end").fill("2025-06-30")
    with page.expect_navigation(timeout=120_000):  # the eager worker makes the report and its files meanwhile
        page.locator("form[action$='/reporting/request/'] button[type=submit]").click(timeout=120_000)
    status = page.get_by_test_id("run-status")
    status.wait_for()
    page.wait_for_selector("[data-testid=run-status][data-status=done]", timeout=60_000)
    _assert_clean(page, problems)
    page.locator("[data-testid=run-status] a.btn").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.get_by_role("heading", name="요약").is_visible()
    sub_funds = page.get_by_test_id("table-sub_funds")
    assert (
        sub_funds.locator("th", has_text=re.compile(r"^약정$")).count() == 1
        and sub_funds.locator("th", has_text="자펀드").count()
    )
    unexplained = page.get_by_test_id("table-reconciliation").locator("tr", has_text="설명되지 않은 금액")
    assert re.search(
        r"27[67],\d{3},\d{3},\d{3}", unexplained.inner_text()
    )  # the K-Content 0.277 T, its own line
    _assert_charts_drawn(page, "fund-report-ko")
    _assert_clean(page, problems)
    with page.expect_download() as pdf:
        page.get_by_role("link", name="PDF").first.click()
    from reporting.models import ReportFile

    stored = ReportFile.objects.get(report__scope=f"fund:{k_content.pk}", fmt="pdf", language="ko")
    assert open(pdf.value.path(), "rb").read() == stored.read()
    page.goto("/programs/dashboard/")
    page.wait_for_load_state("networkidle")
    _assert_charts_drawn(page, "dashboard-ko")
    _assert_clean(page, problems)
