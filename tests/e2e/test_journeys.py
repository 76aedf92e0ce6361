import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from accounts.roles import Role
from applications.models import Application, Status
from programs.models import EligibilityRule
from tests.e2e.conftest import sign_in, sign_out
from tests.factories import PDF_BYTES, ProgramFactory, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("role", list(Role))
def test_every_role_signs_in_through_the_browser_and_lands_on_its_home(page, role, staff_sign_in):
    user = make_user(role)
    if user.needs_mfa:
        staff_sign_in(page, user)
    else:
        sign_in(page, user.email)
    assert page.get_by_test_id("home-role").inner_text().startswith(str(role.label))
    sign_out(page)
    assert page.get_by_role("link", name="Sign in").first.is_visible()


def test_an_sme_signs_up_registers_two_patents_is_told_why_it_is_ineligible_fixes_it_and_submits(page):
    program = ProgramFactory(
        code="KIPO", name="IP-Collateral Loan", min_amount=Decimal("1000000"), max_amount=Decimal("500000000")
    )
    EligibilityRule.objects.create(
        program=program,
        kind="company_size",
        parameters={"max_employees": 300},
        explanation="At most 300 employees",
    )
    page.goto("/")
    page.get_by_role("link", name="Register your company").first.click()
    page.get_by_label("Email").fill("founder@newco.example")
    page.locator("#id_password1").fill("a-long-pass-phrase")
    page.locator("#id_password2").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Sign Up").click()
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("link", name="Register your company").last.click()
    page.get_by_label("Legal name").fill("Newco Biotech")
    page.get_by_label("Registration number").fill("220-81-12345")
    page.get_by_label("Sector").fill("Biotechnology")
    page.get_by_label("Employees").fill("450")  # too many for the program: fixed later
    page.get_by_role("button", name="Save").click()
    for number in ("10-2020-0000101", "10-2021-0000202"):
        page.get_by_role("link", name="Register an IP asset").first.click()
        page.get_by_label("Type").select_option("patent")
        page.get_by_label("IP office").select_option("KR")
        page.get_by_label("Registry number").fill(number)
        page.get_by_label("Title").fill(f"Antibody {number}")
        page.get_by_label("Expiry date").fill("2040-01-01")
        page.get_by_label("Owner name").fill("Newco Biotech")
        page.get_by_role("button", name="Save").click()
    assert page.get_by_role("cell", name="10-2021-0000202", exact=True).is_visible()
    page.goto(f"/programs/{program.code}/")
    page.get_by_role("button", name="Start an application").click()
    page.get_by_label("Amount requested").fill("200000000")
    page.get_by_label("Purpose of the financing").fill("Phase II trials")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label(re.compile("10-2020-0000101")).check()
    page.get_by_label(re.compile("10-2021-0000202")).check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("link", name="Continue").click()
    assert "450 employees is more than 300" in page.get_by_test_id("problems").inner_text()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label(re.compile("I declare")).check()
    page.get_by_role("button", name="Submit the application").click()
    assert "cannot be submitted" in page.content()
    page.goto("/applications/company/")
    page.get_by_label("Employees").fill("45")
    page.get_by_role("button", name="Save").click()
    application = Application.objects.get()
    page.goto(f"/applications/{application.pk}/step/declaration/")
    page.get_by_label(re.compile("I declare")).check()
    page.get_by_role("button", name="Submit the application").click()
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert page.get_by_test_id("status").inner_text() == "Submitted"
    assert application.reference in page.content() and "application.submit" in page.content()


def test_an_officer_works_a_case_the_applicant_answers_and_a_second_user_approves(
    page, staff_sign_in, agency
):
    from accounts.roles import OrganizationKind
    from tests.factories import OrganizationFactory, make_submitted

    officer = make_user(Role.CASE_OFFICER, agency)
    approver = make_user(Role.APPROVER, agency)
    firm = OrganizationFactory(kind=OrganizationKind.VALUER, name="Hanbit Valuation")
    valuer = make_user(Role.VALUER, firm)
    program = ProgramFactory(
        agency=agency,
        code="KIBO",
        valuation_subsidy_share=Decimal("0.7"),
        valuation_subsidy_cap=Decimal("5000000"),
        valuation_budget=Decimal("100000000"),
    )
    program.officers.add(officer)
    program.valuer_panel.add(firm)
    case = make_submitted(program)
    applicant = case.created_by
    staff_sign_in(page, officer)
    page.goto("/casework/")
    page.get_by_label("Reference or company").fill(case.reference)
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("link", name=case.reference).click()
    page.get_by_role("button", name="Start screening").click()
    page.get_by_text("Request information from the applicant").click()
    page.get_by_label("Question to the applicant").fill("Please confirm the owner of the patent.")
    page.get_by_label("Answer due by").fill((date.today() + timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Send the request").click()
    sign_out(page)
    sign_in(page, applicant.email)
    page.goto(f"/applications/{case.pk}/")
    page.get_by_label("Your answer").fill("We own it since 2019.")
    page.get_by_role("button", name="Send the answer").click()
    sign_out(page)
    staff_sign_in(page, officer)
    page.goto(f"/casework/cases/{case.pk}/")
    for label in ("Documents complete", "Eligibility confirmed", "Identity checked"):
        page.get_by_label(label).check()
    page.get_by_role("button", name="Save checklist").click()
    page.get_by_role("button", name="Screening complete: send to valuation").click()
    page.get_by_label("Fee").fill("3000000")
    page.get_by_role("button", name="Order a valuation").click()
    sign_out(page)
    sign_in(page, valuer.email)
    page.get_by_role("link", name="Valuation orders").first.click()
    page.locator("table").get_by_role("link").first.click()
    page.get_by_role("button", name="Accept the order").click()
    asset = case.ip_assets.first()
    page.get_by_label(f"{asset.registry_number}: value").fill("800000000")
    page.get_by_label(f"{asset.registry_number}: low").fill("600000000")
    page.get_by_label(f"{asset.registry_number}: high").fill("900000000")
    page.get_by_label("Assumptions").fill("Relief from royalty at 4.5%")
    page.get_by_label("Technology grade").select_option("A")  # no grade is chosen for the valuer
    page.get_by_label("Valid until").fill((date.today() + timedelta(days=365)).isoformat())
    page.get_by_label("Signed report (PDF)").set_input_files(
        files=[{"name": "signed.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    page.get_by_role("button", name="Submit the report").click()
    assert page.get_by_test_id("order-status").inner_text() == "Report submitted"
    sign_out(page)
    staff_sign_in(page, officer)
    page.goto(f"/casework/cases/{case.pk}/")
    page.locator("#valuation-h").locator("..").get_by_role("link").first.click()
    page.get_by_role("button", name="Accept the valuation").click()
    page.goto(f"/casework/cases/{case.pk}/")
    page.get_by_role("button", name="Valuation accepted: start the credit review").click()
    page.get_by_role("button", name="Recommend the proposed amount").click()
    assert page.get_by_test_id("status").inner_text() == "Recommended"
    sign_out(page)
    staff_sign_in(page, approver)
    page.goto("/casework/?view=awaiting")
    page.get_by_role("link", name=case.reference).click()
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record the decision").click()
    assert page.get_by_test_id("status").inner_text() == "Approved"
    sign_out(page)
    sign_in(page, applicant.email)
    page.goto(f"/applications/{case.pk}/")
    assert page.get_by_test_id("status").inner_text() == "Approved"


def test_an_official_opens_the_latest_report_reads_the_flags_and_downloads_pdf_and_xlsx(
    page, staff_sign_in, settings
):
    from io import StringIO

    from funds.demo import seed

    settings.REPORT_FILES_RENDER = (
        True  # as in production: the worker renders the files, a download reads one
    )
    seed(StringIO())
    official = make_user(Role.OFFICIAL)
    staff_sign_in(page, official)
    page.get_by_role("link", name="Reports").first.click()
    page.get_by_role("link", name=re.compile("Fund utilisation — all funds")).first.click()
    assert page.get_by_role("heading", name=re.compile("Flags")).is_visible()
    assert "Global Content Fund I" in page.content() and "licence returned" in page.content()
    with page.expect_download() as pdf:
        page.get_by_role("link", name="PDF").first.click()
    assert pdf.value.suggested_filename.endswith(".pdf")
    with page.expect_download() as xlsx:
        page.get_by_role("link", name="XLSX").first.click()
    assert xlsx.value.suggested_filename.endswith(".xlsx")


def test_the_sme_journey_starts_in_korean(page):
    ProgramFactory(code="KIPO", name="IP 담보대출")
    page.goto("/")
    with page.expect_navigation():
        page.get_by_label("Language").select_option("ko")
    page.wait_for_selector("html[lang=ko]")
    assert page.get_by_role("heading", name="지식재산을 담보로 한 금융").is_visible()
    assert page.get_by_role("link", name="로그인").first.is_visible()
    page.get_by_role("link", name="회사 등록").first.click()
    assert page.locator("html").get_attribute("lang") == "ko"


def test_a_bank_disburses_and_collects_the_facility_defaults_the_agency_pays_and_auctions_the_ip(
    page, staff_sign_in, program, officer, approver
):
    """Every payment out is asked by the officer (maker) and confirmed by the approver (checker) on a page that
    states the amounts and who receives them."""
    from freezegun import freeze_time

    from accounts.roles import OrganizationKind
    from facilities import services as facility_services
    from facilities.models import Facility
    from programs.models import GuaranteeTier, Program
    from recoveries.models import Claim, Disposal, MoneyMove
    from tests.factories import OrganizationFactory, make_submitted, verified_buyer

    bank = OrganizationFactory(kind=OrganizationKind.LENDER, name="Bank A")
    banker = make_user(Role.LENDER_OFFICER, bank)
    Program.objects.filter(pk=program.pk).update(
        kind="ip_guaranteed_loan",
        guarantee_coverage_min=Decimal("0.7"),
        guarantee_coverage_max=Decimal("0.8"),
        guarantee_fee_min=Decimal("0.01"),
        guarantee_fee_max=Decimal("0.02"),
    )
    program.refresh_from_db()
    GuaranteeTier.objects.create(
        program=program, name="All", coverage_ratio=Decimal("0.8"), fee_rate=Decimal("0.01")
    )
    program.partner_lenders.add(bank)
    case = make_submitted(program)
    Application.objects.filter(pk=case.pk).update(status="approved", approved_amount=Decimal("1200000"))
    case.refresh_from_db()
    facility = facility_services.facility_create_from_application(
        application=case,
        actor=officer,
        lender=bank,
        term_months=12,
        schedule_type="equal_principal",
        pledges=[(a, f"REG-{a.pk}", date.today()) for a in case.ip_assets.all()],
    )
    sign_in(page, banker.email)
    page.get_by_role("link", name="Facilities").first.click()
    page.get_by_role("link", name=case.reference).click()
    page.get_by_label("Date").fill((date.today() - timedelta(days=200)).isoformat())
    page.get_by_role("button", name="Record the disbursement").click()
    assert page.get_by_test_id("facility-status").inner_text() == "Active"
    page.get_by_label("Paid on").fill((date.today() - timedelta(days=170)).isoformat())
    page.locator("form[action$='/repay/'] input[name=amount]").fill(
        "102000"
    )  # 100,000 principal + 2,000 interest
    page.get_by_label("Bank reference").fill("TX-1")
    page.get_by_role("button", name="Record the repayment").click()
    assert "1,100,000" in page.get_by_test_id("outstanding").inner_text()
    facility_services.facilities_update_dpd()  # the nightly job
    page.reload()
    assert page.get_by_test_id("facility-status").inner_text() == "Defaulted"
    for label in (
        "Default notice sent",
        "Collection efforts documented",
        "Pledge registration attached",
        "Loan statement attached",
    ):
        page.get_by_label(label).check()
    page.get_by_role("button", name="File the claim").click()
    sign_out(page)
    staff_sign_in(page, officer)
    page.goto(f"/facilities/{facility.pk}/")
    page.get_by_label("Pay in full").check()
    page.get_by_role("button", name="Record the review").click()
    claimed = Claim.objects.get().amount_claimed  # 80 % of the exposure at default
    lines = page.get_by_test_id("move-lines").inner_text()
    assert "Claim payment to the bank" in lines and "Bank A" in lines and f"{claimed:,.0f} KRW" in lines
    assert page.get_by_test_id("awaiting-checker").is_visible()  # the maker cannot confirm
    move_url = page.url
    sign_out(page)
    staff_sign_in(page, approver)
    page.goto(move_url)
    assert page.get_by_test_id("maker").inner_text() == str(officer)
    assert f"{claimed:,.0f} KRW" in page.get_by_test_id("move-lines").inner_text()
    page.get_by_role("button", name="Confirm: carry out exactly these amounts").click()
    assert page.get_by_test_id("facility-status").inner_text() == "Guarantee claim paid"
    sign_out(page)
    staff_sign_in(page, officer)
    page.goto(f"/facilities/{facility.pk}/")
    page.get_by_label("Channel").select_option("auction")
    page.get_by_label("Opening price (auction)").fill("300000")
    page.get_by_label("Bids close on (auction, ≤ 30 days)").fill(
        (date.today() + timedelta(days=14)).isoformat()
    )
    page.get_by_role("button", name="Open the disposal").click()
    page.get_by_role("button", name="Ask to award to the best bid").click()
    assert "award after the window has closed" in page.content()  # bids are open: no award yet
    sign_out(page)
    buyer = verified_buyer(
        program.agency, registered_by=officer, verified_by=approver, name="IP Recovery Fund"
    )
    sign_in(page, buyer.email)  # a buyer the agency verified bids on the auctions page
    page.get_by_role("link", name="IP auctions").first.click()
    page.get_by_role("spinbutton", name="Bid").fill("450000")
    page.get_by_role("button", name="Place the bid").click()
    assert "450,000" in page.get_by_text("Your bid:").inner_text()
    sign_out(page)
    with freeze_time(date.today() + timedelta(days=15), tick=True):  # the bid window has closed
        staff_sign_in(page, officer)
        page.goto(f"/facilities/{facility.pk}/")
        page.get_by_role("button", name="Ask to award to the best bid").click()
        lines = page.get_by_test_id("move-lines").inner_text()
        assert "IP Recovery Fund" in lines and "450,000 KRW" in lines
        award_url = page.url
        page.goto(f"/facilities/{facility.pk}/")
        sign_out(page)
        staff_sign_in(page, approver)
        page.goto(award_url)
        page.get_by_role("button", name="Confirm: carry out exactly these amounts").click()
        sign_out(page)
        staff_sign_in(page, officer)
        page.goto(f"/facilities/{facility.pk}/")
        page.get_by_label("Proceeds").fill("450000")
        page.get_by_label("Costs of the disposal (paid first)").fill("10000")
        page.get_by_label("Write-off reason (if not all is recovered)").select_option("W10")
        page.get_by_role("button", name="Ask to close with the proceeds").click()
        move = MoneyMove.objects.get(kind="disposal_close")
        parts = {line["part"]: Decimal(line["amount"]) for line in move.summary["lines"]}
        # 450,000 − 10,000 costs = 440,000 shared 80 : 20 between the agency's and the bank's loss
        assert (
            parts["costs"] == 10000 and parts["agency"] + parts["bank"] == 440000 and parts["borrower"] == 0
        )
        lines = page.get_by_test_id("move-lines").inner_text()
        for text in ("Costs of the disposal", "10,000 KRW", f"{parts['agency']:,.0f} KRW", "Bank A"):
            assert text in lines
        close_url = page.url
        sign_out(page)
        staff_sign_in(page, approver)
        page.goto(close_url)
        page.get_by_role("button", name="Confirm: carry out exactly these amounts").click()
        assert page.get_by_test_id("facility-status").inner_text() == "Closed"
    disposal = Disposal.objects.get()
    assert (disposal.costs, disposal.agency_share + disposal.bank_share) == (10000, Decimal("440000"))
    facility = Facility.objects.get(pk=facility.pk)
    assert facility.status == "closed" and facility.written_off_amount > 0


def test_an_official_picks_a_program_and_a_period_on_the_dashboard_and_downloads_it(
    page, staff_sign_in, program
):
    from tests.factories import make_submitted

    make_submitted(program)
    official = make_user(Role.OFFICIAL)
    staff_sign_in(page, official)
    page.get_by_role("link", name="Program dashboard").first.click()
    page.get_by_label("Scope").select_option(f"program:{program.code}")
    page.locator("#id_start").fill((date.today() - timedelta(days=30)).isoformat())
    page.locator("#id_end").fill(date.today().isoformat())
    page.get_by_role("button", name="Show").click()
    assert page.get_by_role("heading", name="Pipeline").is_visible()
    assert page.get_by_role("heading", name=re.compile("Days per stage")).is_visible()
    with page.expect_download() as xlsx:
        page.get_by_role("link", name="XLSX").click()
    assert xlsx.value.suggested_filename.endswith(".xlsx")
    with page.expect_download() as pdf:
        page.get_by_role("link", name="PDF").click()
    assert pdf.value.suggested_filename.endswith(".pdf")
