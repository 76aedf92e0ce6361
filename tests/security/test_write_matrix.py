"""The write matrix, generated from the URL configuration and the API schema.

Every web route that accepts a write (POST) and every API operation with a write method is tried by every role of
the organisation that owns the object, and by the same roles in ANOTHER organisation of every kind, with the object
in the state where the write is possible. WHO_MAY says, as data read from the services' rules (never from the
responses), which of this cast may succeed. Every other attempt must be refused (400/403/404/405/409, or a redirect
with a message on the web) and change nothing: the row count of every model, the audit log and the rows' contents
are compared before and after. Each allowed attempt must change something; it runs in a savepoint rolled back
afterwards, so one prepared state serves the whole cast.

A route or an API operation that is in neither WEB_WRITES/API_WRITES nor NOT_PROBED (with the reason) fails the
coverage tests: nobody adds a write without deciding who may take it. Web routes declared read-only are POSTed too
by the whole cast, and must change nothing.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.roles import OrganizationKind, Role
from applications.invitations import company_invite
from casework import services as casework
from casework.models import RubricCriterion
from facilities import services as facility_services
from facilities.restructuring import restructuring_propose
from funds import services as fund_services
from recoveries import services as recovery
from tests.factories import (
    PDF_BYTES,
    CompanyFactory,
    IPAssetFactory,
    OrganizationFactory,
    ProgramFactory,
    UserFactory,
    make_submitted,
    make_token,
    make_user,
    verified_buyer,
)
from tests.funds.factories import mother_fund, sub_fund_fields
from valuations import services as valuation_services

pytestmark = pytest.mark.django_db

# --- who may: the cast ------------------------------------------------------------------------------------------
# Labels of the cast. "own" roles belong to the organisations that own the world's objects (agency A, company A,
# valuer A, bank A, fund manager A, buyer A); "other_*" hold the same roles in another organisation of that kind.
AGENCY = frozenset({"officer", "approver", "agency_admin"})
OTHER_AGENCY = frozenset({"other_officer", "other_approver", "other_agency_admin"})
APPLICANTS = frozenset({"applicant", "other_applicant"})
NOBODY = frozenset()

# (web route name, action or None) -> the world's object the route acts on, the form, who may
WEB_WRITES = {
    # facilities: the bank works its loan; the bank or the agency declares default
    ("facilities:disburse", None): ("facility_approved", "disburse", {"lender"}),
    ("facilities:repay", None): ("facility_active", "repay", {"lender"}),
    ("facilities:csv", None): ("facility_active", "csv", {"lender"}),
    ("facilities:restructure", None): ("facility_active", "restructure", {"lender"}),
    ("facilities:default", None): ("facility_active", "default", {"lender"} | AGENCY),
    # restructuring: the bank proposes, an approver of the program's agency confirms or refuses; tranches: the bank
    ("facilities:restructuring", None): ("facility_active", "proposal", {"lender"}),
    ("facilities:tranche", None): ("facility_approved", "tranche", {"lender"}),
    ("facilities:restructuring_confirm", None): ("restructuring", None, {"approver"}),
    ("facilities:restructuring_refuse", None): ("restructuring", "refuse", {"approver"}),
    # recoveries on the facility page: the bank claims; the agency reviews, disposes, asks for money to move
    ("recoveries:claim", None): ("facility_defaulted", "claim", {"lender"}),
    # a claim is reviewed by the agency; paying it is a request that a second approver confirms (below)
    ("recoveries:review_claim", None): ("facility_claimed", "review_claim", AGENCY),
    ("recoveries:write_off", None): ("facility_defaulted", "write_off", AGENCY),
    # a recovery after a write-off: the world's facilities are not written off, so nobody may record one
    # (tests/recoveries holds who may once one is)
    ("recoveries:late_recovery", None): ("facility_defaulted", "late_recovery", NOBODY),
    ("recoveries:move_confirm", None): ("move", None, {"approver"}),
    ("recoveries:move_refuse", None): ("move", "refuse", {"approver"}),
    ("recoveries:dispose", None): ("facility_claim_paid", "dispose", AGENCY),
    # an award is asked once the bid window has closed (tests/recoveries: refused while it is open)
    ("recoveries:award", None): ("facility_closed", "award_closed", AGENCY),
    ("recoveries:close", None): ("facility_awarded", "close", AGENCY),
    ("facilities:create", None): ("case_approved", "facility_create", AGENCY),
    # recoveries
    ("recoveries:bid", None): ("auction", "bid", {"buyer"}),
    ("recoveries:buyer_verify", None): ("buyer_pending", None, {"approver", "agency_admin"}),
    ("recoveries:buyer_revoke", None): ("buyer_verified", None, {"approver", "agency_admin"}),
    # each agency keeps its own registry: another agency's staff register the organisation in theirs
    ("recoveries:buyers", None): (None, "buyer_register", AGENCY | OTHER_AGENCY),
    # casework
    ("casework:action", "assign"): ("case_screening", "assign", AGENCY),
    ("casework:action", "start_screening"): ("case_submitted", None, {"officer"}),
    ("casework:action", "checklist"): ("case_screening", "checklist", {"officer"}),
    ("casework:action", "request_info"): ("case_screening", "request_info", {"officer"}),
    ("casework:action", "note"): ("case_screening", "note", {"officer", "approver"}),
    ("casework:action", "send_to_valuation"): ("case_checked", None, {"officer"}),
    ("casework:action", "start_credit_review"): ("case_valued", None, {"officer"}),
    ("casework:action", "scores"): ("case_credit", "scores", {"officer"}),
    # the world's program allows no waiver: nobody may (tests/casework/test_credit_rules.py: an approver when it does)
    ("casework:action", "waive_valuation"): ("case_valuation", "waive", NOBODY),
    ("casework:action", "recommend"): ("case_scored", "recommend", {"officer"}),
    ("casework:action", "decide"): ("case_recommended", "decide", {"approver"}),
    ("casework:action", "return_for_rework"): ("case_recommended", "rework", {"approver"}),
    ("casework:answer", None): ("info", "answer", {"applicant"}),
    ("casework:bulk_assign", None): (None, "bulk_assign", AGENCY),
    # an officer declares their own conflict with any company (it binds the declarer only)
    ("casework:conflicts", None): (None, "conflict", {"officer", "other_officer"}),
    # valuations
    ("valuations:create", None): ("case_valuation", "order", {"officer"}),
    ("valuations:action", "accept"): ("order_ordered", None, {"valuer"}),
    ("valuations:action", "decline"): ("order_ordered", "decline", {"valuer"}),
    ("valuations:action", "cancel"): ("order_ordered", None, {"officer"}),
    ("valuations:action", "report"): ("order_accepted", "valuation_report", {"valuer"}),
    ("valuations:action", "agency_accept"): ("order_reported", None, {"officer"}),
    ("valuations:action", "return"): ("order_reported", "valuation_return", {"officer"}),
    # applications: the company's own applicants; routes without an object act on the user's own company
    ("applications:withdraw", None): ("case_submitted", "withdraw", {"applicant"}),
    ("applications:wizard", "amount"): ("case_draft", "wizard_amount", {"applicant"}),
    ("applications:asset_edit", None): ("asset", "asset", {"applicant"}),
    ("applications:asset_new", None): (None, "asset_new", APPLICANTS),
    ("applications:start", None): (None, "start", APPLICANTS),
    ("applications:company", None): (None, "company", APPLICANTS),
    ("applications:colleagues", None): (None, "colleague", APPLICANTS),
    ("applications:invitation_cancel", None): ("invitation", None, {"applicant"}),
    # an invitation is answered by the person it is addressed to (here: another company's applicant)
    ("applications:invitation_accept", None): ("invitation", "accept", {"other_applicant"}),
    ("applications:invitation_decline", None): ("invitation", None, {"other_applicant"}),
    # a document of the company's draft: the company's own applicant removes it
    ("applications:document_remove", None): ("document", None, {"applicant"}),
    # funds and reports
    ("funds:validate", None): ("entry", "validate", AGENCY),
    ("reporting:request", None): (None, "report_request", AGENCY | {"official"}),
}
# The wizard's other steps write like "amount" (one view, one service); the matrix probes one.
WIZARD_STEPS_PROBED = {"amount"}

# (method, API path) -> the world's object ({id}), the payload, who may
API_WRITES = {
    ("post", "/api/v1/applications/"): (None, "api_application", APPLICANTS),
    ("patch", "/api/v1/applications/{id}/"): ("case_draft", "api_application_patch", {"applicant"}),
    ("post", "/api/v1/applications/{id}/documents/"): ("case_draft", "api_document", {"applicant"}),
    ("post", "/api/v1/applications/{id}/submit/"): ("case_ready", "api_submit", {"applicant"}),
    ("post", "/api/v1/applications/{id}/withdraw/"): ("case_submitted", "api_withdraw", {"applicant"}),
    ("post", "/api/v1/cases/{id}/assign/"): ("case_screening", "api_assign", AGENCY),
    ("post", "/api/v1/cases/{id}/checklist/"): ("case_screening", "api_checklist", {"officer"}),
    ("post", "/api/v1/cases/{id}/decide/"): ("case_recommended", "api_decide", {"approver"}),
    ("post", "/api/v1/cases/{id}/notes/"): ("case_screening", "api_note", {"officer", "approver"}),
    ("post", "/api/v1/cases/{id}/recommend/"): ("case_scored", "api_empty", {"officer"}),
    ("post", "/api/v1/cases/{id}/request-info/"): ("case_screening", "api_request_info", {"officer"}),
    ("post", "/api/v1/cases/{id}/return-for-rework/"): ("case_recommended", "api_comment", {"approver"}),
    ("post", "/api/v1/cases/{id}/scores/"): ("case_credit", "api_scores", {"officer"}),
    ("post", "/api/v1/cases/{id}/send-to-valuation/"): ("case_checked", "api_empty", {"officer"}),
    ("post", "/api/v1/cases/{id}/start-credit-review/"): ("case_valued", "api_empty", {"officer"}),
    ("post", "/api/v1/cases/{id}/start-screening/"): ("case_submitted", "api_empty", {"officer"}),
    # registering a company: only a user without one (nobody in the cast has none)
    ("post", "/api/v1/company/"): (None, "api_company", NOBODY),
    ("patch", "/api/v1/company/"): (None, "api_company_patch", APPLICANTS),
    ("post", "/api/v1/facilities/{id}/disbursement/"): ("facility_approved", "api_disbursement", {"lender"}),
    ("post", "/api/v1/facilities/{id}/repayments/"): ("facility_active", "api_repayment", {"lender"}),
    ("post", "/api/v1/facilities/{id}/repayments-csv/"): ("facility_active", "api_csv", {"lender"}),
    ("post", "/api/v1/funds/{id}/cash-flows/"): ("sub_fund", "api_cash_flow", {"fund_manager"}),
    ("post", "/api/v1/funds/{id}/deals/"): ("sub_fund", "api_deal", {"fund_manager"}),
    ("post", "/api/v1/ip-assets/"): (None, "api_asset", APPLICANTS),
    ("patch", "/api/v1/ip-assets/{id}/"): ("asset", "api_asset_patch", {"applicant"}),
    ("post", "/api/v1/report-runs/"): (None, "api_report_run", AGENCY | {"official"}),
    ("post", "/api/v1/valuation-orders/{id}/accept/"): ("order_ordered", "api_empty", {"valuer"}),
    ("post", "/api/v1/facilities/{id}/default-notice/"): ("facility_active", "api_default", {"lender"}),
    ("post", "/api/v1/facilities/{id}/restructuring/"): ("facility_active", "api_restructuring", {"lender"}),
    ("post", "/api/v1/facilities/{id}/tranches/"): ("facility_approved", "api_tranche", {"lender"}),
    ("post", "/api/v1/restructurings/{id}/confirm/"): ("restructuring", "api_empty", {"approver"}),
    ("post", "/api/v1/restructurings/{id}/refuse/"): ("restructuring", "refuse", {"approver"}),
    ("post", "/api/v1/claims/"): ("facility_defaulted", "api_claim", {"lender"}),
    ("post", "/api/v1/claims/{id}/pay/"): ("claim", "api_empty", AGENCY),
    ("post", "/api/v1/disposals/{id}/award/"): ("closed_auction", "api_empty", AGENCY),
    ("post", "/api/v1/money-moves/{id}/confirm/"): ("move", "api_empty", {"approver"}),
    ("post", "/api/v1/money-moves/{id}/refuse/"): ("move", "refuse", {"approver"}),
    ("post", "/api/v1/write-offs/"): ("facility_defaulted", "api_write_off", AGENCY),
    # webhook endpoints probed with an empty body: nobody registers or changes one with it (tests/webhooks holds
    # who may, and that another organisation gets 404)
    ("post", "/api/v1/webhooks/endpoints/"): (None, "api_empty", NOBODY),
    ("patch", "/api/v1/webhooks/endpoints/{id}/"): ("endpoint", "api_endpoint_patch", {"lender"}),
    ("post", "/api/v1/webhooks/endpoints/{id}/rotate-secret/"): ("endpoint", "api_empty", {"lender"}),
    ("post", "/api/v1/webhooks/deliveries/{id}/replay/"): ("delivery", "api_empty", {"lender"}),
    ("post", "/api/v1/valuation-orders/{id}/decline/"): ("order_ordered", "api_decline", {"valuer"}),
    ("post", "/api/v1/valuation-orders/{id}/cancel/"): ("order_ordered", "api_empty", {"officer"}),
    ("post", "/api/v1/valuation-orders/{id}/report/"): ("order_accepted", "api_valuation_report", {"valuer"}),
    ("post", "/api/v1/valuation-orders/{id}/agency-accept/"): ("order_reported", "api_empty", {"officer"}),
    ("post", "/api/v1/valuation-orders/{id}/return/"): (
        "order_reported",
        "api_valuation_return",
        {"officer"},
    ),
}

# Web routes with no write of their own: POSTed by the whole cast, they must change nothing.
WEB_READS = {
    "home",
    "health",
    "api-schema",
    "api-docs",
    "programs:list",
    "programs:detail",
    "dashboards:program",
    "dashboards:program_export",
    "applications:list",
    "applications:detail",
    "applications:document",
    "applications:asset_list",
    "casework:queue",
    "casework:case",
    "valuations:orders",
    "valuations:order",
    "valuations:report_pdf",
    "valuations:calculator",
    "facilities:list",
    "dashboards:portfolio",
    "dashboards:portfolio_export",
    "facilities:detail",
    "funds:list",
    "funds:detail",
    "reporting:list",
    "reporting:detail",
    "reporting:download",
    "recoveries:auctions",
    "applications:invitations",
    "health-live",
    "health-ready",
    "health-worker",
    "health-metrics",
    "reporting:run",
    "recoveries:move",
    "facilities:move",
    "funds:setup",
}
# Routes that write only the signed-in user's own account, session or notices: nobody else's object is named.
NOT_PROBED = {
    "set_language": "the visitor's own language (session and cookie)",
    "accounts:api_token": "the user's own token (tests/accounts)",
    "accounts:notifications": "marks the user's own notices read",
    "admin:": "the Django admin: staff and model permissions (tests/accounts)",
    "account_": "allauth: sign-in, sign-up, password and e-mail of the signed-in user (tests/accounts)",
    "mfa_": "allauth: the signed-in user's own authenticators (tests/accounts)",
    "bench": "the benchmark's baseline views are not mounted in the product",
    "webhooks:": "the organisation's own webhook endpoints (tests/webhooks: another organisation gets 404)",
    # Not yet in the matrix (their world objects and valid forms are still to be added here): the fund set-up forms
    # and the members page of agency administrators. tests/funds/test_setup_pages.py and tests/accounts/
    # test_invites.py hold who may and that another agency gets 404; an empty form re-renders for an administrator.
    "funds:setup_": "fund set-up forms (tests/funds/test_setup_pages.py)",
    "accounts:members": "invitations by administrators (tests/accounts/test_invites.py)",
}
REFUSED = {400, 403, 404, 405, 409}


# --- the routes -----------------------------------------------------------------------------------------------------


def _patterns(resolver, prefix="", path=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _patterns(pattern, namespace, path + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{prefix}{pattern.name}", path + str(pattern.pattern), pattern


def _web_routes():
    """Named page routes (the API's routes are its schema's operations, below)."""
    routes = {}
    for name, path, pattern in _patterns(get_resolver()):
        if path.startswith("api/v1/"):
            continue
        routes.setdefault(name, pattern)
    return routes


def _not_probed(name):
    return any(name.startswith(prefix) for prefix in NOT_PROBED)


def _dispatch_actions(pattern):
    """The actions a ``<slug:action>`` route dispatches: its view module's ACTIONS table and the ones its view
    handles besides (``action == "..."`` in its source), so that a new action cannot slip past the matrix."""
    import inspect
    import re

    module = inspect.getmodule(pattern.callback)
    source = inspect.getsource(inspect.unwrap(pattern.callback))
    return set(getattr(module, "ACTIONS", {})) | set(re.findall(r'action == "(\w+)"', source))


def _api_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("post", "put", "patch", "delete")
    }


def test_every_write_route_and_operation_is_in_the_matrix():
    routes = _web_routes()
    unclassified = set()
    for name, pattern in routes.items():
        if name in WEB_READS or _not_probed(name):
            continue
        if "action" in pattern.pattern.converters or "step" in pattern.pattern.converters:
            declared = {action for (route, action) in WEB_WRITES if route == name}
            if "step" in pattern.pattern.converters:
                continue  # the wizard: one view and one service for its steps (WIZARD_STEPS_PROBED)
            missing = _dispatch_actions(pattern) - declared
            unclassified |= {f"{name} {action}" for action in missing}
        elif (name, None) not in WEB_WRITES:
            unclassified.add(name)
    assert unclassified == set(), "write routes nobody decided on"
    assert _api_operations() - set(API_WRITES) == set(), "API writes nobody decided on"


# --- the world ------------------------------------------------------------------------------------------------------


@dataclass
class World:
    objects: dict = field(default_factory=dict)
    cast: dict = field(default_factory=dict)
    orgs: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)


def _case(program, company, applicant):
    return make_submitted(program, company=company, created_by=applicant)


def _screened(case, officer):
    casework.case_start_screening(application=case, actor=officer)
    casework.checklist_update(
        application=case,
        actor=officer,
        documents_complete=True,
        eligibility_confirmed=True,
        identity_checked=True,
    )
    return case


def _valued(case, officer, valuer, firm):
    casework.case_send_to_valuation(application=case, actor=officer)
    order = valuation_services.valuation_order_create(
        application=case, actor=officer, fee=Decimal("1000"), valuer=firm
    )
    valuation_services.valuation_order_accept(order=order, actor=valuer)
    _report(order, valuer)
    valuation_services.valuation_order_agency_accept(order=order, actor=officer)
    return case


def _report(order, valuer):
    return valuation_services.valuation_report_submit(
        order=order,
        actor=valuer,
        lines=[
            {
                "asset": a,
                "method": "cost",
                "value": Decimal(10**9),
                "value_low": Decimal(5),
                "value_high": Decimal(10**10),
            }
            for a in order.assets.all()
        ],
        assumptions="x",
        technology_grade="A",
        valid_until=date(2099, 1, 1),
        pdf=SimpleUploadedFile("r.pdf", PDF_BYTES),
    )


def _scored(case, officer):
    casework.case_start_credit_review(application=case, actor=officer)
    casework.credit_score(
        application=case,
        actor=officer,
        scores={c.pk: (3, "") for c in RubricCriterion.objects.filter(program=case.program)},
    )
    return case


def _approved_facility(case, officer, approver, bank):
    casework.case_recommend(application=case, actor=officer)
    casework.case_decide(application=case, actor=approver, approve=True, reason_code="A00")
    case.refresh_from_db()
    return facility_services.facility_create_from_application(
        application=case,
        actor=officer,
        lender=bank,
        term_months=12,
        schedule_type="equal_principal",
        pledges=[(a, f"P-{a.pk}", date(2026, 1, 2)) for a in case.ip_assets.all()],
    )


@pytest.fixture
def world(program, agency, other_agency, officer, approver, administrator):
    w = World()
    orgs = w.orgs
    for kind in ("company", "valuer", "lender", "fund_manager"):
        orgs[kind] = OrganizationFactory(kind=kind, name=f"{kind} A")
        orgs[f"other_{kind}"] = OrganizationFactory(kind=kind, name=f"{kind} B")
    orgs["agency"], orgs["other_agency"] = agency, other_agency
    company = CompanyFactory(organization=orgs["company"])
    CompanyFactory(organization=orgs["other_company"])
    cast = w.cast
    cast.update(officer=officer, approver=approver, agency_admin=administrator)
    for label, role, org in [
        ("applicant", Role.APPLICANT, orgs["company"]),
        ("valuer", Role.VALUER, orgs["valuer"]),
        ("lender", Role.LENDER_OFFICER, orgs["lender"]),
        ("fund_manager", Role.FUND_MANAGER, orgs["fund_manager"]),
        ("other_applicant", Role.APPLICANT, orgs["other_company"]),
        ("other_valuer", Role.VALUER, orgs["other_valuer"]),
        ("other_lender", Role.LENDER_OFFICER, orgs["other_lender"]),
        ("other_fund_manager", Role.FUND_MANAGER, orgs["other_fund_manager"]),
        ("other_officer", Role.CASE_OFFICER, other_agency),
        ("other_approver", Role.APPROVER, other_agency),
        ("other_agency_admin", Role.ADMINISTRATOR, other_agency),
        ("official", Role.OFFICIAL, None),
        ("oversight_admin", Role.ADMINISTRATOR, OrganizationFactory(kind=OrganizationKind.OVERSIGHT)),
    ]:
        cast[label] = make_user(role, org)
    cast["buyer"] = verified_buyer(agency, registered_by=officer, verified_by=approver, name="Buyer A")
    cast["other_buyer"] = verified_buyer(
        other_agency, registered_by=cast["other_officer"], verified_by=cast["other_approver"], name="Buyer B"
    )
    program.valuer_panel.add(orgs["valuer"])
    program.partner_lenders.add(orgs["lender"])
    guaranteed = ProgramFactory(
        agency=agency,
        kind="ip_guaranteed_loan",
        guarantee_coverage_min=Decimal("0.7"),
        guarantee_coverage_max=Decimal("0.8"),
        guarantee_fee_min=Decimal("0.005"),
        guarantee_fee_max=Decimal("0.03"),
    )
    from programs.models import GuaranteeTier

    GuaranteeTier.objects.create(  # every grade and term: the published table's one row here
        program=guaranteed, name="All", coverage_ratio=Decimal("0.8"), fee_rate=Decimal("0.01")
    )
    guaranteed.officers.set([officer])
    guaranteed.valuer_panel.add(orgs["valuer"])
    guaranteed.partner_lenders.add(orgs["lender"])
    for criterion in RubricCriterion.objects.filter(program=program):
        RubricCriterion.objects.create(program=guaranteed, name=criterion.name, weight=criterion.weight)
    _build_cases(w, program, company)
    _build_facilities(w, program, guaranteed, company)
    _build_funds(w)
    w.objects["buyer_pending"] = recovery.buyer_register(
        agency=agency, organization=OrganizationFactory(kind="company", name="Pending buyer"), actor=officer
    )
    w.objects["buyer_verified"] = cast["buyer"].organization.buyer_registrations.get()
    w.objects["new_buyer_org"] = OrganizationFactory(kind="company", name="Candidate buyer")
    w.objects["newcomer"] = UserFactory(email="newcomer@example.org")  # signed up, in no organisation yet
    make_user(Role.APPLICANT, orgs["other_company"])  # company B keeps someone when its applicant leaves
    w.objects["invitation"] = company_invite(
        company=company, actor=cast["applicant"], email=cast["other_applicant"].email
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications.services import document_upload

    w.objects.update(_webhooks(w.objects["facility_active"], cast["lender"]))
    w.objects["document"] = document_upload(
        application=w.objects["case_draft"],
        actor=cast["applicant"],
        document_type="other",
        upload=SimpleUploadedFile("a.pdf", PDF_BYTES),
    )
    return w


def _webhooks(facility, banker):
    """The bank's endpoint with one delivery of an event about its facility."""
    from audit.models import AuditEvent
    from webhooks.models import Delivery, Event
    from webhooks.services import endpoint_create

    endpoint = endpoint_create(actor=banker, url="https://8.8.8.8/hook", event_types=["facility.disbursed"])
    audit_event = AuditEvent.objects.filter(action="facility.disbursed").first()
    event = Event.objects.create(
        audit_event=audit_event,
        type="facility.disbursed",
        occurred_at=audit_event.occurred_at,
        subject_kind="facility",
        subject_id=facility.pk,
        payload={},
    )
    return {"endpoint": endpoint, "delivery": Delivery.objects.create(endpoint=endpoint, event=event)}


def _build_cases(w, program, company):
    officer, valuer, applicant = w.cast["officer"], w.cast["valuer"], w.cast["applicant"]
    firm = w.orgs["valuer"]
    o = w.objects
    o["case_submitted"] = _case(program, company, applicant)
    o["case_screening"] = _case(program, company, applicant)
    casework.case_start_screening(application=o["case_screening"], actor=officer)
    o["case_checked"] = _screened(_case(program, company, applicant), officer)
    o["case_info"] = _screened(_case(program, company, applicant), officer)
    o["info"] = casework.case_request_info(
        application=o["case_info"], actor=officer, question="?", due_date=date(2099, 1, 1)
    )
    o["case_valuation"] = _screened(_case(program, company, applicant), officer)
    casework.case_send_to_valuation(application=o["case_valuation"], actor=officer)
    o["case_valued"] = _valued(_screened(_case(program, company, applicant), officer), officer, valuer, firm)
    o["case_credit"] = _valued(_screened(_case(program, company, applicant), officer), officer, valuer, firm)
    casework.case_start_credit_review(application=o["case_credit"], actor=officer)
    o["case_scored"] = _scored(
        _valued(_screened(_case(program, company, applicant), officer), officer, valuer, firm), officer
    )
    o["case_recommended"] = _scored(
        _valued(_screened(_case(program, company, applicant), officer), officer, valuer, firm), officer
    )
    casework.case_recommend(application=o["case_recommended"], actor=officer)
    approved = _scored(
        _valued(_screened(_case(program, company, applicant), officer), officer, valuer, firm), officer
    )
    casework.case_recommend(application=approved, actor=officer)
    casework.case_decide(application=approved, actor=w.cast["approver"], approve=True, reason_code="A00")
    o["case_approved"] = approved
    from applications import services as application_services

    o["case_draft"] = application_services.application_create_draft(
        company=company, program=program, actor=applicant
    )
    ready = application_services.application_create_draft(company=company, program=program, actor=applicant)
    asset = IPAssetFactory(company=company)
    application_services.application_update_draft(
        application=ready,
        actor=applicant,
        step="declaration",
        requested_amount=Decimal("100000000"),
        purpose="x",
        ip_assets=[asset],
    )
    o["case_ready"] = ready
    o["asset"] = IPAssetFactory(company=company)
    orders = {}
    for state in ("ordered", "accepted", "reported"):
        case = _screened(_case(program, company, applicant), officer)
        casework.case_send_to_valuation(application=case, actor=officer)
        order = valuation_services.valuation_order_create(
            application=case, actor=officer, fee=Decimal("1000"), valuer=firm
        )
        if state != "ordered":
            valuation_services.valuation_order_accept(order=order, actor=valuer)
        if state == "reported":
            _report(order, valuer)
        orders[f"order_{state}"] = order
    o.update(orders)


def _build_facilities(w, program, guaranteed, company):
    officer, approver, lender, applicant = (w.cast[k] for k in ("officer", "approver", "lender", "applicant"))
    valuer, firm, bank = w.cast["valuer"], w.orgs["valuer"], w.orgs["lender"]
    o = w.objects

    def facility(on_program):
        case = _scored(
            _valued(_screened(_case(on_program, company, applicant), officer), officer, valuer, firm), officer
        )
        return _approved_facility(case, officer, approver, bank)

    def active(on_program, key):
        made = facility(on_program)
        facility_services.facility_disburse(
            facility=made,
            actor=lender,
            amount=made.principal,
            disbursed_on=date(2026, 1, 1),
            idempotency_key=key,
        )
        return made

    o["facility_approved"] = facility(program)
    o["facility_active"] = active(program, "wm-active")
    o["facility_defaulted"] = active(guaranteed, "wm-defaulted")
    facility_services.facility_default(facility=o["facility_defaulted"], actor=lender, reason_code="D10")
    checklist = {item: True for item in recovery.CLAIM_CHECKLIST}
    o["facility_claimed"] = active(guaranteed, "wm-claimed")
    facility_services.facility_default(facility=o["facility_claimed"], actor=lender, reason_code="D10")
    o["claim"] = recovery.claim_file(facility=o["facility_claimed"], actor=lender, checklist=checklist)
    o["facility_claim_paid"] = active(guaranteed, "wm-paid")
    facility_services.facility_default(facility=o["facility_claim_paid"], actor=lender, reason_code="D10")
    paid = recovery.claim_payment_request(
        claim=recovery.claim_file(facility=o["facility_claim_paid"], actor=lender, checklist=checklist),
        actor=officer,
    )
    recovery.money_move_confirm(move=paid, actor=approver)
    today = timezone.localdate()
    for key, opened in (
        ("facility_in_auction", today),
        ("facility_closed", today - timedelta(days=10)),
        ("facility_awarded", today - timedelta(days=10)),
    ):
        o[key] = active(program, f"wm-{key}")
        facility_services.facility_default(facility=o[key], actor=lender, reason_code="D10")
        with freeze_time(opened):  # the last two auctions' windows closed before today
            disposal = recovery.disposal_open(
                facility=o[key],
                actor=officer,
                channel="auction",
                opening_price=Decimal(1),
                bids_close_on=opened + timedelta(days=5),
            )
            recovery.bid_place(disposal=disposal, actor=w.cast["buyer"], amount=Decimal(1000))
        o[f"{key}_disposal"] = disposal
    o["auction"] = o["facility_in_auction_disposal"]
    o["closed_auction"] = o["facility_closed_disposal"]
    award = recovery.disposal_award_request(disposal=o["facility_awarded_disposal"], actor=officer)
    recovery.money_move_confirm(move=award, actor=approver)
    # a write-off asked by the officer, awaiting its checker (the money-move pages and API)
    o["facility_write_off"] = active(program, "wm-write-off")
    facility_services.facility_default(facility=o["facility_write_off"], actor=lender, reason_code="D10")
    o["move"] = recovery.write_off_request(facility=o["facility_write_off"], actor=officer, reason="W20")
    # a restructuring proposed by the bank on a loan disbursed last month (months are left to reschedule)
    restructured = facility(program)
    facility_services.facility_disburse(
        facility=restructured,
        actor=lender,
        amount=restructured.principal,
        disbursed_on=timezone.localdate() - timedelta(days=30),
        idempotency_key="wm-restructuring",
    )
    o["restructuring"] = restructuring_propose(
        facility=restructured, actor=lender, extension_months=6, reason="sales fell"
    )


def _build_funds(w):
    mother = mother_fund("1000", name="Mother A", agency=w.orgs["agency"])
    mother_fund("1000", name="Mother B", agency=w.orgs["other_agency"])
    fund = fund_services.sub_fund_create(
        parent=mother, actor=None, **sub_fund_fields("400", name="Sub A", manager=w.orgs["fund_manager"])
    )
    w.objects["mother_fund"], w.objects["sub_fund"] = mother, fund
    w.objects["entry"] = fund_services.cash_flow_record(
        fund=fund, actor=w.cast["fund_manager"], kind="call", date=date(2024, 1, 1), amount=Decimal(1)
    )


# --- what each write sends -----------------------------------------------------------------------------------------
CSV_TEXT = b"2026-02-01,1000,CSV-1\n"


def _csv():
    return SimpleUploadedFile("r.csv", CSV_TEXT, content_type="text/csv")


def _pdf():
    return SimpleUploadedFile("r.pdf", PDF_BYTES, content_type="application/pdf")


def _period():
    return {"period_start": "2025-04-01", "period_end": "2025-06-30"}


def _company_form(w, actor):
    from applications.models import Company

    company = Company.objects.filter(organization=actor.organization).first() or w.orgs["company"].company
    return {
        "legal_name": company.legal_name,
        "country": company.country,
        "registration_number": company.registration_number,
        "sector": "Robotics",
        "employees": 41,
        "credit_grade": "BB",
        "currency": "KRW",
    }


def _asset_form(n):
    return {
        "ip_type": "patent",
        "jurisdiction": "KR",
        "registry_number": f"10-2021-{n:07d}",
        "title": "Write matrix invention",
        "filing_date": "2020-01-01",
        "grant_date": "2021-01-01",
        "expiry_date": "2040-01-01",
        "owner_name": "Owner",
        "status": "registered",
    }


def _report_form(order, api=False):
    lines = [
        {"asset": a.pk, "method": "cost", "value": "100", "value_low": "50", "value_high": "200"}
        for a in order.assets.all()
    ]
    common = {"assumptions": "x", "technology_grade": "A", "valid_until": "2099-01-01", "pdf": _pdf()}
    if api:
        import json

        return {"lines": json.dumps(lines), **common}
    form = dict(common)
    for line in lines:
        for part, name in (
            ("method", "method"),
            ("value", "value"),
            ("value_low", "low"),
            ("value_high", "high"),
        ):
            form[f"{name}_{line['asset']}"] = line[part]
    return form


PAYLOADS = {
    # web forms
    "disburse": lambda w, o, a: {
        "amount": str(o.principal),
        "disbursed_on": "2026-01-01",
        "idempotency_key": "wm",
    },
    "repay": lambda w, o, a: {"paid_on": "2026-02-01", "amount": "1000", "reference": "WM-1"},
    "csv": lambda w, o, a: {"file": _csv()},
    "restructure": lambda w, o, a: {"description": "new terms"},
    "default": lambda w, o, a: {
        "reason_code": "D10",
        "reason": "insolvency",
    },  # the old form named it "reason"
    "claim": lambda w, o, a: {f"item_{n}": "on" for n in range(len(recovery.CLAIM_CHECKLIST))},
    "dispose": lambda w, o, a: {"channel": "direct_sale"},
    "award": lambda w, o, a: {"disposal": w.objects["auction"].pk},
    "award_closed": lambda w, o, a: {"disposal": w.objects["closed_auction"].pk},
    "review_claim": lambda w, o, a: {"outcome": "pay_full"},
    "write_off": lambda w, o, a: {"reason": "W20"},
    "late_recovery": lambda w, o, a: {"amount": "10", "received_on": "2026-01-02", "source": "sale"},
    "refuse": lambda w, o, a: {"reason": "figures to check"},
    "waive": lambda w, o, a: {"reason": "a valuation from last year"},
    "api_default": lambda w, o, a: {"reason_code": "D10"},
    "api_endpoint_patch": lambda w, o, a: {"description": "core banking"},
    "api_restructuring": lambda w, o, a: {"grace_months": 2, "reason": "new terms"},
    "api_write_off": lambda w, o, a: {"facility": w.objects["facility_defaulted"].pk, "reason": "W20"},
    "api_tranche": lambda w, o, a: {"amount": str(o.principal), "disbursed_on": "2026-01-01"},
    "proposal": lambda w, o, a: {"grace_months": "2", "extension_months": "0", "reason": "new terms"},
    "tranche": lambda w, o, a: {
        "amount": str(o.principal),
        "disbursed_on": "2026-01-01",
        "idempotency_key": "wm-tranche",
    },
    "api_claim": lambda w, o, a: {
        "facility": w.objects["facility_defaulted"].pk,
        "checklist": {item: True for item in recovery.CLAIM_CHECKLIST},
    },
    "close": lambda w, o, a: {
        "disposal": w.objects["facility_awarded_disposal"].pk,
        "proceeds": "1000",
        "write_off_reason": "W10",
    },
    "facility_create": lambda w, o, a: {
        "lender": w.orgs["lender"].pk,
        "term_months": 12,
        "schedule_type": "bullet",
    },
    "bid": lambda w, o, a: {"amount": "5000"},
    "buyer_register": lambda w, o, a: {"organization": w.objects["new_buyer_org"].pk},
    "assign": lambda w, o, a: {"officer": w.cast["officer"].pk},
    "checklist": lambda w, o, a: {"documents_complete": "on"},
    "request_info": lambda w, o, a: {"question": "Which?", "due_date": "2099-01-01"},
    "note": lambda w, o, a: {"kind": "internal", "body": "a note"},
    "scores": lambda w, o, a: {
        f"score_{c.pk}": "4" for c in RubricCriterion.objects.filter(program=o.program)
    },
    "recommend": lambda w, o, a: {"conditions": ""},
    "decide": lambda w, o, a: {"outcome": "approve", "reason_code": "A00", "comment": ""},
    "rework": lambda w, o, a: {"comment": "again"},
    "answer": lambda w, o, a: {"answer": "Here."},
    "bulk_assign": lambda w, o, a: {
        "cases": [w.objects["case_screening"].pk],
        "officer": w.cast["officer"].pk,
    },
    "conflict": lambda w, o, a: {
        "company": w.objects["case_screening"].company.registration_number,
        "reason": "family",
    },
    "order": lambda w, o, a: {"fee": "1000", "valuer": w.orgs["valuer"].pk},
    "decline": lambda w, o, a: {"reason": "busy"},
    "valuation_report": lambda w, o, a: _report_form(o),
    "valuation_return": lambda w, o, a: {"comments": "revise"},
    "withdraw": lambda w, o, a: {"reason": "no longer needed"},
    "wizard_amount": lambda w, o, a: {"requested_amount": "120000000", "purpose": "growth"},
    "asset": lambda w, o, a: {**_asset_form(1), "registry_number": o.registry_number, "title": "Renamed"},
    "asset_new": lambda w, o, a: _asset_form(a.pk),
    "start": lambda w, o, a: {"program": w.objects["case_draft"].program_id},
    "company": lambda w, o, a: _company_form(w, a),
    "colleague": lambda w, o, a: {"email": w.objects["newcomer"].email},
    "accept": lambda w, o, a: {"leave_current": "on"},
    "validate": lambda w, o, a: {"accept": "1"},
    "report_request": lambda w, o, a: {
        "kind": "fund_utilisation",
        "scope": f"fund:{w.objects['mother_fund'].pk}",
        **_period(),
    },
    # API bodies
    "api_empty": lambda w, o, a: {},
    "api_application": lambda w, o, a: {"program": w.objects["case_draft"].program.code},
    "api_application_patch": lambda w, o, a: {"purpose": "patched"},
    "api_document": lambda w, o, a: {"document_type": "other", "file": _pdf()},
    "api_submit": lambda w, o, a: {"declaration_accepted": True},
    "api_withdraw": lambda w, o, a: {"reason": "no"},
    "api_assign": lambda w, o, a: {"officer": w.cast["officer"].pk},
    "api_checklist": lambda w, o, a: {"documents_complete": True},
    "api_decide": lambda w, o, a: {"approve": True, "reason_code": "A00"},
    "api_note": lambda w, o, a: {"kind": "internal", "body": "a note"},
    "api_request_info": lambda w, o, a: {"question": "Which?", "due_date": "2099-01-01"},
    "api_comment": lambda w, o, a: {"comment": "again"},
    "api_scores": lambda w, o, a: [
        {"criterion": c.pk, "score": 4} for c in RubricCriterion.objects.filter(program=o.program)
    ],
    "api_company": lambda w, o, a: {
        "legal_name": "New Co",
        "country": "KR",
        "registration_number": "220-81-62517",
        "sector": "x",
        "employees": 3,
    },
    "api_company_patch": lambda w, o, a: {"sector": "Robotics"},
    "api_disbursement": lambda w, o, a: {"amount": str(o.principal), "disbursed_on": "2026-01-01"},
    "api_repayment": lambda w, o, a: {"paid_on": "2026-02-01", "amount": "1000", "reference": "WM-API"},
    "api_csv": lambda w, o, a: {"file": _csv()},
    "api_cash_flow": lambda w, o, a: {"kind": "call", "date": "2024-02-01", "amount": "1"},
    "api_deal": lambda w, o, a: {"name": "Deal", "considered_on": "2024-02-01", "amount": "1"},
    "api_asset": lambda w, o, a: _asset_form(10_000 + a.pk),
    "api_asset_patch": lambda w, o, a: {"title": "Renamed"},
    "api_report_run": lambda w, o, a: {
        "kind": "fund_utilisation",
        "scope": f"fund:{w.objects['mother_fund'].pk}",
        **_period(),
    },
    "api_decline": lambda w, o, a: {"reason": "busy"},
    "api_valuation_report": lambda w, o, a: _report_form(o, api=True),
    "api_valuation_return": lambda w, o, a: {"comments": "revise"},
}
MULTIPART = {"api_document", "api_csv", "api_valuation_report"}


# --- the state, and the probe ---------------------------------------------------------------------------------------
# Rows every request may touch without acting on anyone's object: sessions, sign-in throttling, tokens' use.
VOLATILE = {
    "accounts.apitoken",
    "sessions.session",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
}
SIGN_IN_FIELDS = {"last_login"}  # the probe signs each member of the cast in


def _state():
    """Every model's rows, as a digest per model (the audit log included): any insert, update or delete shows."""
    digest = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in VOLATILE or model._meta.proxy:
            continue
        columns = [f.attname for f in model._meta.concrete_fields if f.attname not in SIGN_IN_FIELDS]
        rows = model._base_manager.order_by("pk").values_list(*columns)
        digest[label] = hashlib.blake2b(repr(list(rows)).encode(), digest_size=12).hexdigest()
    return digest


def _changed(before, after):
    return sorted(label for label in before if before[label] != after.get(label))


class _Undo(Exception):
    pass


@dataclass
class Tally:
    routes: int = 0
    probes: int = 0
    refusals: int = 0
    successes: int = 0
    failures: list = field(default_factory=list)


def _web_request(client, w, actor, name, action, spec):
    key, payload, _who = spec
    target = w.objects.get(key) if key else None
    kwargs = {}
    if target is not None:
        kwargs["case_pk" if name in ("facilities:create", "valuations:create") else "pk"] = target.pk
    if name == "funds:validate":
        kwargs = {"pk": w.objects["sub_fund"].pk, "entry_pk": target.pk}
    if name.startswith("recoveries:move"):
        kwargs = {"pk": target.facility_id, "move_pk": target.pk}
    if name.startswith("facilities:restructuring_"):
        kwargs = {"pk": target.facility_id, "restructuring_pk": target.pk}
    if action is not None:
        kwargs["step" if name == "applications:wizard" else "action"] = action
    url = reverse(name, kwargs=kwargs)
    data = PAYLOADS[payload](w, target, actor) if payload else {}
    client.force_login(actor)
    return client.post(url, data)


def _api_request(api, w, actor, method, path, spec):
    key, payload, _who = spec
    target = w.objects.get(key) if key else None
    url = path.replace("{id}", str(target.pk)) if target is not None else path
    token = w.tokens[actor.pk]  # made before the baseline
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_IDEMPOTENCY_KEY=f"wm-{actor.pk}")
    data = PAYLOADS[payload](w, target, actor)
    return getattr(api, method)(url, data, format="multipart" if payload in MULTIPART else "json")


def _refused_one_by_one(tally, labels, send, baseline):
    """Each refused attempt alone, its state compared: names who changed what."""
    for label in labels:
        response = send(label)
        changed = _changed(baseline, _state())
        if changed:
            tally.failures.append(f"{label} changed {changed} ({response.status_code})")
            baseline = _state()  # what it changed stays: the next attempts compare with that
        elif response.status_code not in REFUSED | {302}:
            tally.failures.append(f"{label} got {response.status_code} without effect (expected a refusal)")
        else:
            tally.refusals += 1


def _probe_route(tally, who, labels, send):
    """Every member of the cast tries one write. The ones not in ``who`` go first, together, in a savepoint: the
    state after them must equal the state before (when it does not, they are rolled back and replayed one by one
    to name who changed what). Each one in ``who`` then tries alone, in a savepoint rolled back afterwards, and
    must change something."""
    baseline = _state()
    refused = [label for label in labels if label not in who]
    tally.probes += len(labels)
    try:
        with transaction.atomic():
            statuses = {label: send(label).status_code for label in refused}
            if _changed(baseline, _state()):
                raise _Undo
    except _Undo:
        _refused_one_by_one(tally, refused, send, baseline)
    else:
        for label, status in statuses.items():
            if status in REFUSED | {302}:
                tally.refusals += 1
            else:
                tally.failures.append(f"{label} got {status} without effect (expected a refusal)")
    for label in sorted(who & set(labels)):
        try:
            with transaction.atomic():
                response = send(label)
                changed = _changed(baseline, _state())
                if not changed or response.status_code >= 400:
                    tally.failures.append(
                        f"{label} may, but got {response.status_code} and changed {changed or 'nothing'}"
                    )
                else:
                    tally.successes += 1
                raise _Undo
        except _Undo:
            pass


def test_only_whom_the_lifecycle_allows_writes_and_every_other_attempt_changes_nothing(client, world, capsys):
    w = world
    tally = Tally()
    api = APIClient()
    labels = sorted(w.cast)
    w.tokens = {actor.pk: make_token(actor) for actor in w.cast.values()}
    for (name, action), spec in WEB_WRITES.items():
        tally.routes += 1
        before = len(tally.failures)
        _probe_route(
            tally,
            spec[2],
            labels,
            lambda label, n=name, act=action, sp=spec: _web_request(client, w, w.cast[label], n, act, sp),
        )
        tally.failures[before:] = [f"POST {name} {action or ''}: {f}" for f in tally.failures[before:]]
    for (method, path), spec in API_WRITES.items():
        tally.routes += 1
        before = len(tally.failures)
        _probe_route(
            tally,
            spec[2],
            labels,
            lambda label, m=method, p=path, sp=spec: _api_request(api, w, w.cast[label], m, p, sp),
        )
        tally.failures[before:] = [f"{method.upper()} {path}: {f}" for f in tally.failures[before:]]
    with capsys.disabled():
        print(
            f"\nwrite matrix: {tally.routes} routes and operations, {len(labels)} members of the cast, "
            f"{tally.probes} probes, {tally.refusals} refused without effect, {tally.successes} allowed and done, "
            f"{len(tally.failures)} failures"
        )
    assert tally.failures == [], "\n".join(tally.failures)


def test_read_only_routes_change_nothing_when_anyone_posts_to_them(client, world):
    w = world
    routes = _web_routes()
    baseline = _state()
    failures = []
    sample = {
        "case": w.objects["case_screening"],
        "facility": w.objects["facility_active"],
        "order": w.objects["order_reported"],
        "fund": w.objects["sub_fund"],
    }
    for name in sorted(WEB_READS):
        pattern = routes.get(name)
        if pattern is None:
            continue
        kwargs = {}
        for converter in pattern.pattern.converters:
            if converter == "pk":
                obj = next(
                    (v for k, v in sample.items() if k in name or name.startswith(f"{k}s")), sample["case"]
                )
                kwargs["pk"] = obj.pk
            elif converter == "fmt":
                kwargs["fmt"] = "csv"
            elif converter == "code":
                kwargs["code"] = w.objects["case_screening"].program.code
        try:
            url = reverse(name, kwargs=kwargs)
        except Exception:
            continue
        for actor in w.cast.values():
            client.force_login(actor)
            client.post(url, {"amount": "1", "reason_code": "D10"})
        changed = _changed(baseline, _state())  # once per route: the whole cast has posted
        if changed:
            failures.append(f"POST {url} by the cast changed {changed}")
            baseline = _state()
    assert failures == []
