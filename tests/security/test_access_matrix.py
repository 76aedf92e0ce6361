"""The access matrix, generated from the URL configuration and the API schema.

Every URL that names an object (a path parameter) is requested as every role of ANOTHER organisation than the
one owning the object: the answer must be 404. A new object URL without an entry in OBJECT_URLS (or in SHARED,
with the reason) makes this test fail, so nobody can add one without deciding who may see it.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from accounts.roles import OrganizationKind, Role
from applications.invitations import company_invite
from applications.services import document_upload
from casework import services as casework
from casework.models import RubricCriterion
from facilities import services as facility_services
from facilities.pledges import pledge_register
from funds import services as fund_services
from programs.models import EligibilityRule
from recoveries import services as recovery_services
from tests.factories import (
    PDF_BYTES,
    IPAssetFactory,
    OrganizationFactory,
    make_submitted,
    make_token,
    make_user,
)
from tests.funds.factories import mother_fund, sub_fund_fields
from valuations import services as valuation_services

pytestmark = pytest.mark.django_db

# URL name -> (object key, extra kwargs, method)
OBJECT_URLS = {
    "applications:detail": ("case", {}, "get"),
    "applications:wizard": ("case", {"step": "amount"}, "get"),
    "applications:withdraw": ("case", {}, "post"),
    "applications:asset_edit": ("asset", {}, "get"),
    "applications:document": ("document", {}, "get"),
    "applications:document_remove": ("document", {}, "post"),
    "casework:case": ("case", {}, "get"),
    "casework:action": ("case", {"action": "start_screening"}, "post"),
    "casework:answer": ("info", {}, "post"),
    "valuations:order": ("order", {}, "get"),
    "valuations:action": ("order", {"action": "accept"}, "post"),
    "valuations:create": ("case", {}, "post"),
    "valuations:report_pdf": ("valuation_report", {}, "get"),
    "valuations:calculation_attach": ("order", {}, "post"),
    "facilities:repayment_reverse": ("repayment", {}, "post"),
    "facilities:detail": ("facility", {}, "get"),
    **{f"facilities:{name}": ("facility", {}, "post") for name in ("disburse", "repay", "csv")},
    "facilities:default": ("facility", {}, "post"),
    "facilities:tranche": ("running", {}, "post"),
    "facilities:restructuring": ("running", {}, "post"),
    "facilities:restructuring_confirm": ("running", {"restructuring_pk": "restructuring"}, "post"),
    "facilities:restructuring_refuse": ("running", {"restructuring_pk": "restructuring"}, "post"),
    "facilities:pledge_register": ("pledge", {}, "post"),
    "programs:setup_program": ("program", {}, "get"),
    "programs:setup_part_add": ("program", {"part": "rule"}, "post"),
    "programs:setup_part_remove": ("program", {"part": "rule", "part_pk": "rule"}, "post"),
    "casework:rubric": ("program", {}, "get"),
    "casework:rubric_remove": ("program", {"criterion_pk": "criterion"}, "post"),
    "facilities:create": ("case", {}, "post"),
    **{
        f"recoveries:{name}": ("written_off", {}, "post")
        for name in ("claim", "review_claim", "dispose", "award", "close", "write_off", "late_recovery")
    },
    "recoveries:move": ("written_off", {"move_pk": "move"}, "get"),
    "recoveries:move_confirm": ("written_off", {"move_pk": "move"}, "post"),
    "recoveries:move_refuse": ("written_off", {"move_pk": "move"}, "post"),
    "funds:detail": ("fund", {}, "get"),
    "funds:validate": ("fund", {"entry_pk": "entry"}, "post"),
    "funds:follow_up": ("follow_up", {}, "get"),
    "funds:follow_up_action": ("follow_up", {"action": "acknowledge"}, "post"),
    "applications:invitation_cancel": ("invitation", {}, "post"),
    "applications:invitation_accept": ("invitation", {}, "post"),
    "applications:invitation_decline": ("invitation", {}, "post"),
    "recoveries:bid": ("disposal", {}, "post"),
    "recoveries:buyer_verify": ("buyer", {}, "post"),
    "recoveries:buyer_revoke": ("buyer", {}, "post"),
    "funds:setup_edit": ("fund", {}, "get"),
    "funds:setup_licence": ("fund", {}, "post"),
    "funds:setup_sub_fund_new": ("mother", {}, "post"),
    "webhooks:detail": ("endpoint", {}, "get"),
    "webhooks:rotate_secret": ("endpoint", {}, "post"),
    "webhooks:replay": ("delivery", {}, "post"),
    "reporting:run": ("report_run", {}, "get"),
}
SHARED = {
    "facilities:move": "a redirect to recoveries:move (kept for old links), which answers 404 to other organisations",
    "programs:detail": "published programs are public",
    "reporting:detail": "utilisation reports are read by every official and agency (tests/reporting)",
    "reporting:download": "as reporting:detail",
    "dashboards:portfolio_export": "the parameter is a file format; the data is scoped to the user (tests/facilities)",
    "api-report-run": "read by every official (API test below)",
    "api-document-download": "checked with the API paths below",
}
API_PREFIXES = {  # path prefix -> object key
    "/api/v1/applications/{id}/": "case",
    "/api/v1/ip-assets/{id}/": "asset",
    "/api/v1/documents/{id}/": "document",
    "/api/v1/cases/{id}/": "case",
    "/api/v1/funds/{id}/": "fund",
    "/api/v1/facilities/{id}/": "facility",
    "/api/v1/valuation-orders/{id}/": "order",
    "/api/v1/claims/{id}/": "claim",
    "/api/v1/disposals/{id}/": "disposal",
    "/api/v1/webhooks/endpoints/{id}/": "endpoint",
    "/api/v1/webhooks/deliveries/{id}/": "delivery",
    "/api/v1/money-moves/{id}/": "move",
    "/api/v1/restructurings/{id}/": "restructuring",
}
API_SHARED = {
    "facilities:move": "a redirect to recoveries:move (kept for old links), which answers 404 to other organisations",
    "/api/v1/programs/{code}/": "public",
    "/api/v1/reports/{id}/": "read by every official",
    "/api/v1/report-runs/{id}/": "read by every official",
}


def _names(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver) and str(pattern.pattern) == "api/v1/":
            continue  # the API's object paths are read from its schema (the API test below)
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _names(pattern, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name and pattern.pattern.converters:
            yield f"{prefix}{pattern.name}"


@pytest.fixture
def world(program, officer, approver):
    """One of everything, owned by organisation A (agency, company, valuer, bank, fund manager)."""
    firm, bank = (
        OrganizationFactory(kind=OrganizationKind.VALUER),
        OrganizationFactory(kind=OrganizationKind.LENDER),
    )
    program.valuer_panel.add(firm)
    program.partner_lenders.add(bank)
    case = make_submitted(program)
    document = case.documents.first() or None
    casework.case_start_screening(application=case, actor=officer)
    info = casework.case_request_info(
        application=case, actor=officer, question="?", due_date=date(2099, 1, 1)
    )
    draft = make_submitted(program)
    from applications.models import Application

    Application.objects.filter(pk=draft.pk).update(status="draft")
    document = document_upload(
        application=Application.objects.get(pk=draft.pk),
        actor=draft.created_by,
        document_type="other",
        upload=SimpleUploadedFile("a.pdf", PDF_BYTES),
    )
    valued = make_submitted(program)
    Application.objects.filter(pk=valued.pk).update(status="valuation")
    valued.refresh_from_db()
    order = valuation_services.valuation_order_create(application=valued, actor=officer, fee=Decimal("1000"))
    valuer_user = make_user(Role.VALUER, firm)
    valuation_services.valuation_order_accept(order=order, actor=valuer_user)
    lines = [
        {
            "asset": a,
            "method": "cost",
            "value": Decimal(10),
            "value_low": Decimal(5),
            "value_high": Decimal(20),
        }
        for a in order.assets.all()
    ]
    report = valuation_services.valuation_report_submit(
        order=order,
        actor=valuer_user,
        lines=lines,
        assumptions="x",
        technology_grade="A",
        valid_until=date(2099, 1, 1),
        pdf=SimpleUploadedFile("r.pdf", PDF_BYTES),
    )
    approved = make_submitted(program)
    Application.objects.filter(pk=approved.pk).update(status="approved", approved_amount=Decimal("1000000"))
    approved.refresh_from_db()
    facility = facility_services.facility_create_from_application(
        application=approved, actor=officer, lender=bank, term_months=12, schedule_type="bullet"
    )
    defaulted = make_submitted(program)
    Application.objects.filter(pk=defaulted.pk).update(status="approved", approved_amount=Decimal("1000000"))
    defaulted.refresh_from_db()
    loan = facility_services.facility_create_from_application(
        application=defaulted, actor=officer, lender=bank, term_months=12, schedule_type="bullet"
    )
    banker = make_user(Role.LENDER_OFFICER, bank)
    facility_services.facility_disburse(
        facility=loan,
        actor=banker,
        amount=loan.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="m1",
    )
    repayment = facility_services.repayment_record(
        facility=loan, actor=banker, amount=Decimal(1000), paid_on=date(2026, 1, 15), reference="m-r1"
    )
    facility_services.facility_default(facility=loan, actor=banker, reason_code="D10")
    disposal = recovery_services.disposal_open(
        facility=loan,
        actor=officer,
        channel="auction",
        opening_price=Decimal(1),
        bids_close_on=timezone.localdate() + timedelta(days=5),
    )
    buyer = recovery_services.buyer_register(
        agency=program.agency, organization=OrganizationFactory(kind=OrganizationKind.COMPANY), actor=officer
    )
    recovery_services.buyer_verify(buyer=buyer, actor=approver)
    # a second facility, defaulted, with a write-off awaiting its checker: the money-move pages
    second = make_submitted(program)
    Application.objects.filter(pk=second.pk).update(status="approved", approved_amount=Decimal("1000000"))
    second.refresh_from_db()
    written_off = facility_services.facility_create_from_application(
        application=second, actor=officer, lender=bank, term_months=12, schedule_type="bullet"
    )
    facility_services.facility_disburse(
        facility=written_off,
        actor=make_user(Role.LENDER_OFFICER, bank),
        amount=written_off.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="world",
    )
    facility_services.facility_default(
        facility=written_off, actor=officer, reason_code="D10", on=date(2026, 1, 1)
    )
    move = recovery_services.write_off_request(facility=written_off, actor=officer, reason="W20")
    running, restructuring = _running_with_proposal(program, officer, bank)
    manager = OrganizationFactory(kind=OrganizationKind.FUND_MANAGER)
    fund = fund_services.sub_fund_create(parent=mother_fund(), actor=None, **sub_fund_fields(manager=manager))
    entry = fund_services.cash_flow_record(
        fund=fund, actor=None, kind="call", date=date(2024, 1, 1), amount=Decimal(1)
    )
    from reporting.services import report_request

    report_run = report_request(
        kind="fund_utilisation",
        scope=f"fund:{fund.parent_id}",
        period_start=date(2024, 1, 1),
        period_end=date(2024, 3, 31),
        actor=officer,
    )
    return {
        "program": program,
        "rule": EligibilityRule.objects.create(
            program=program, kind="company_size", parameters={"max_employees": 10}, explanation="x"
        ),
        "criterion": RubricCriterion.objects.create(program=program, name="Team", weight=1),
        "pledge": pledge_register(
            facility=facility, asset=IPAssetFactory(company=case.company), actor=officer
        ),
        "running": running,
        "restructuring": restructuring,
        "report_run": report_run,
        "case": case,
        "asset": case.ip_assets.first(),
        "document": document,
        "info": info,
        "order": order,
        "valuation_report": report,
        "facility": facility,
        "repayment": repayment,
        "written_off": written_off,
        "move": move,
        "fund": fund,
        "mother": fund.parent,
        "entry": entry,
        "follow_up": _follow_up(fund),
        **_webhooks_and_claim(facility, make_user(Role.LENDER_OFFICER, bank)),
        "disposal": disposal,
        "buyer": buyer,
        "invitation": company_invite(
            company=case.company, actor=case.created_by, email="invitee@elsewhere.example"
        ),
    }


def _running_with_proposal(program, officer, bank):
    """A disbursed facility of the bank with a restructuring proposal awaiting the agency."""
    from applications.models import Application
    from facilities.restructuring import restructuring_propose

    case = make_submitted(program)
    Application.objects.filter(pk=case.pk).update(status="approved", approved_amount=Decimal("1000000"))
    case.refresh_from_db()
    running = facility_services.facility_create_from_application(
        application=case, actor=officer, lender=bank, term_months=12, schedule_type="annuity"
    )
    banker = make_user(Role.LENDER_OFFICER, bank)
    facility_services.facility_disburse(
        facility=running,
        actor=banker,
        amount=running.principal,
        disbursed_on=timezone.localdate(),
        idempotency_key="running",
    )
    proposal = restructuring_propose(
        facility=running, actor=banker, extension_months=6, reason="seasonal sales"
    )
    return running, proposal


def _follow_up(fund):
    from funds.models import FollowUp

    day = date(2024, 3, 31)
    return FollowUp.objects.create(fund=fund, flag="loss", flagged_on=day, last_seen_on=day)


def _webhooks_and_claim(facility, banker):
    """An endpoint of the bank with one delivery, a claim and a disposal on its facility (rows at rest: only access
    matters here)."""
    from audit.models import AuditEvent
    from recoveries.models import Claim, Disposal
    from webhooks.models import Delivery, Event
    from webhooks.services import endpoint_create

    endpoint = endpoint_create(actor=banker, url="https://8.8.8.8/hook", event_types=["facility.disbursed"])
    audit_event = AuditEvent.objects.filter(action="facility.created").first()
    event = Event.objects.create(
        audit_event=audit_event,
        type="facility.disbursed",
        occurred_at=audit_event.occurred_at,
        subject_kind="facility",
        subject_id=facility.pk,
        payload={},
    )
    claim = Claim.objects.create(facility=facility, filed_by=banker, checklist={}, amount_claimed=Decimal(1))
    return {
        "endpoint": endpoint,
        "delivery": Delivery.objects.create(endpoint=endpoint, event=event),
        "claim": claim,
        "disposal": Disposal.objects.create(facility=facility, channel="direct_sale", created_by=banker),
    }


@pytest.fixture
def outsiders(other_agency):
    """Every role, in organisations that own none of the world's objects."""
    users = [
        make_user(
            role, other_agency if role in (Role.CASE_OFFICER, Role.APPROVER, Role.ADMINISTRATOR) else None
        )
        for role in Role
        if role != Role.OFFICIAL
    ]
    return users


def test_every_object_url_is_in_the_matrix():
    names = set(_names(get_resolver()))
    names = {
        n
        for n in names
        if not n.startswith("admin:")
        and n not in ("account_confirm_email", "account_reset_password_from_key")
    }
    assert names - set(OBJECT_URLS) - set(SHARED) == set()


def test_every_object_url_answers_404_to_every_role_of_another_organisation(client, world, outsiders):
    from django.urls import reverse

    for user in outsiders:
        client.force_login(user)
        for name, (key, extra, method) in OBJECT_URLS.items():
            kwargs = {k: (world[v].pk if v in world else v) for k, v in extra.items()}
            pk_name = "case_pk" if name.endswith(":create") else "pk"
            url = reverse(name, kwargs={pk_name: world[key].pk, **kwargs})
            response = getattr(client, method)(url)
            assert response.status_code == 404, (name, sorted(user.roles), response.status_code)


def test_every_api_object_path_answers_404_to_every_role_of_another_organisation(
    api_client, world, outsiders
):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = [p for p in schema["paths"] if "{" in p]
    uncovered = [p for p in paths if not any(p.startswith(prefix) for prefix in [*API_PREFIXES, *API_SHARED])]
    assert uncovered == []
    for user in outsiders:
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
        for path in paths:
            prefix = next((p for p in API_PREFIXES if path.startswith(p)), None)
            if prefix is None:
                continue
            url = path.replace("{id}", str(world[API_PREFIXES[prefix]].pk))
            for method in schema["paths"][path]:
                response = getattr(api_client, method)(url, {}, format="json")
                assert response.status_code == 404, (method, url, sorted(user.roles), response.status_code)


def test_officials_read_but_cannot_act(client, world):
    official = make_user(Role.OFFICIAL)
    client.force_login(official)
    assert client.get(f"/facilities/{world['facility'].pk}/").status_code == 200
    assert client.get(f"/funds/{world['fund'].pk}/").status_code == 200
    assert client.get(f"/casework/cases/{world['case'].pk}/").status_code == 404
    client.post(
        f"/facilities/{world['facility'].pk}/disburse/",
        {"amount": "1000000", "disbursed_on": "2026-01-01", "idempotency_key": "z"},
    )
    world["facility"].refresh_from_db()
    assert world["facility"].status == "approved"
    # nor confirm a write-off of its own agency's facility: the checker holds the approver role
    move_url = f"/facilities/{world['written_off'].pk}/moves/{world['move'].pk}/"
    assert client.post(move_url + "confirm/").status_code == 404
    world["move"].refresh_from_db()
    assert world["move"].status == "pending"
