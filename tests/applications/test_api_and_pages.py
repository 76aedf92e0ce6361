from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from applications import services
from applications.models import Application, Company, IPAsset, Status
from tests.factories import (
    PDF_BYTES,
    ApplicationFactory,
    IPAssetFactory,
    ProgramFactory,
    company_for_user,
    make_token,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(applicant):
    return _objects_for(applicant)


def _objects_for(user):
    company = company_for_user(user)
    application = ApplicationFactory(company=company, created_by=user)
    asset = IPAssetFactory(company=company)
    application.ip_assets.set([asset])
    document = services.document_upload(
        application=application,
        actor=user,
        document_type="other",
        upload=SimpleUploadedFile("b.pdf", PDF_BYTES),
    )
    return {"company": company, "application": application, "asset": asset, "document": document}


def _token_client(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    return api_client


def test_every_object_of_another_company_is_a_404_on_the_web_and_the_api(
    client, api_client, applicant, outsider_applicant
):
    company_for_user(applicant)
    b = _objects_for(outsider_applicant)
    client.force_login(applicant)
    a_id, asset_id, doc_id = b["application"].pk, b["asset"].pk, b["document"].pk
    web = [
        reverse("applications:detail", args=[a_id]),
        reverse("applications:wizard", args=[a_id, "amount"]),
        reverse("applications:asset_edit", args=[asset_id]),
        reverse("applications:document", args=[doc_id]),
    ]
    for url in web:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("applications:withdraw", args=[a_id])).status_code == 404
    api = _token_client(api_client, applicant)
    for url in [
        f"/api/v1/applications/{a_id}/",
        f"/api/v1/applications/{a_id}/eligibility/",
        f"/api/v1/applications/{a_id}/documents/",
        f"/api/v1/ip-assets/{asset_id}/",
        f"/api/v1/documents/{doc_id}/download/",
    ]:
        assert api.get(url).status_code == 404, url
    for url in [f"/api/v1/applications/{a_id}/submit/", f"/api/v1/applications/{a_id}/withdraw/"]:
        assert api.post(url, {"declaration_accepted": True}, format="json").status_code == 404, url
    assert api.patch(f"/api/v1/ip-assets/{asset_id}/", {"title": "stolen"}, format="json").status_code == 404
    assert api.patch(f"/api/v1/applications/{a_id}/", {"purpose": "x"}, format="json").status_code == 404
    b["asset"].refresh_from_db()
    assert b["asset"].title != "stolen"


def test_lists_show_only_the_users_own_company(api_client, applicant, outsider_applicant, mine):
    _objects_for(outsider_applicant)
    api = _token_client(api_client, applicant)
    assert [a["id"] for a in api.get("/api/v1/applications/").json()["results"]] == [mine["application"].pk]
    assert [a["id"] for a in api.get("/api/v1/ip-assets/").json()["results"]] == [mine["asset"].pk]


def test_staff_of_another_role_cannot_use_the_applicant_api(api_client, lender, mine):
    api = _token_client(api_client, lender)
    assert api.get("/api/v1/applications/").status_code == 403
    assert api.get(f"/api/v1/applications/{mine['application'].pk}/").status_code == 404


def test_the_whole_application_through_the_api(api_client):
    from tests.factories import UserFactory

    program = ProgramFactory(code="KIPO")
    api = _token_client(api_client, UserFactory())
    company = api.post(
        "/api/v1/company/",
        {
            "legal_name": "Newco",
            "country": "KR",
            "registration_number": "220-81-12345",
            "sector": "Games",
            "employees": 12,
            "revenues": {"2024": "100", "2025": "130"},
        },
        format="json",
    )
    assert company.status_code == 201, company.json()
    asset = api.post(
        "/api/v1/ip-assets/",
        {
            "ip_type": "patent",
            "jurisdiction": "KR",
            "registry_number": "10-2021-0001234",
            "title": "Engine",
            "owner_name": "Newco",
            "expiry_date": "2041-01-01",
        },
        format="json",
    )
    assert asset.status_code == 201, asset.json()
    assert asset.json()["encumbrance"] == "free"
    draft = api.post(
        "/api/v1/applications/",
        {
            "program": "KIPO",
            "requested_amount": "50000000",
            "purpose": "growth",
            "ip_assets": [asset.json()["id"]],
        },
        format="json",
    )
    assert draft.status_code == 201, draft.json()
    draft_id = draft.json()["id"]
    check = api.get(f"/api/v1/applications/{draft_id}/eligibility/").json()
    assert check["can_submit"] is True
    submitted = api.post(
        f"/api/v1/applications/{draft_id}/submit/", {"declaration_accepted": True}, format="json"
    )
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "submitted" and submitted.json()["reference"].startswith("KIPO-")
    again = api.post(
        f"/api/v1/applications/{draft_id}/submit/", {"declaration_accepted": True}, format="json"
    )
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"
    assert program.pk


def test_an_applicant_cannot_set_staff_fields_through_the_api(api_client, applicant, mine):
    api = _token_client(api_client, applicant)
    application = mine["application"]
    response = api.patch(
        f"/api/v1/applications/{application.pk}/",
        {
            "status": "approved",
            "approved_amount": "999",
            "reference": "FAKE-1",
            "eligibility_snapshot": {"x": 1},
            "purpose": "allowed change",
        },
        format="json",
    )
    assert response.status_code == 200
    application.refresh_from_db()
    assert (application.status, application.approved_amount, application.reference) == (
        Status.DRAFT,
        None,
        None,
    )
    assert application.purpose == "allowed change"
    asset = api.patch(f"/api/v1/ip-assets/{mine['asset'].pk}/", {"encumbrance": "disposed"}, format="json")
    assert asset.status_code == 200
    assert IPAsset.objects.get(pk=mine["asset"].pk).encumbrance == "free"


@pytest.mark.parametrize(
    "payload",
    [
        {"program": "NOPE"},
        {"program": None},
        {"requested_amount": "1e400"},
        {"requested_amount": "abc"},
        {"requested_amount": "99999999999999999999999"},
        {"purpose": "nul\x00byte"},
        {"ip_assets": ["x"]},
        {"ip_assets": [10**12]},
    ],
)
def test_bad_input_gets_a_400_with_code_message_details(api_client, applicant, payload):
    company_for_user(applicant)
    ProgramFactory(code="KIPO")
    api = _token_client(api_client, applicant)
    response = api.post("/api/v1/applications/", {"program": "KIPO", **payload}, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"code", "message", "details"}


def test_a_bad_registry_number_through_the_api_names_the_format(api_client, applicant):
    company_for_user(applicant)
    api = _token_client(api_client, applicant)
    response = api.post(
        "/api/v1/ip-assets/",
        {
            "ip_type": "patent",
            "jurisdiction": "EP",
            "registry_number": "123",
            "title": "x",
            "owner_name": "y",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "EP1234567" in response.json()["details"]["registry_number"][0]


def test_a_duplicate_company_number_is_a_409(api_client, applicant, outsider_applicant):
    Company.objects.create(
        organization=outsider_applicant.organization,
        legal_name="B",
        registration_number="220-81-99999",
        country="KR",
        sector="x",
        employees=1,
    )
    from tests.factories import UserFactory

    user_without_company = UserFactory()
    api = _token_client(api_client, user_without_company)
    response = api.post(
        "/api/v1/company/",
        {
            "legal_name": "Copy",
            "country": "KR",
            "registration_number": "220-81-99999",
            "sector": "x",
            "employees": 2,
        },
        format="json",
    )
    assert response.status_code == 409 and response.json()["code"] == "duplicate_company"


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@freeze_time(
    "2026-03-02 09:00:00"
)  # the session's activity stamp is written once a minute: keep to one minute
def test_lists_run_the_same_number_of_queries_for_1_and_50_rows(client, api_client, applicant):
    company = company_for_user(applicant)
    program = ProgramFactory()
    ApplicationFactory(company=company, created_by=applicant, program=program).ip_assets.set(
        [IPAssetFactory(company=company)]
    )
    client.force_login(applicant)
    api = _token_client(api_client, applicant)
    urls_web = [reverse("applications:list"), reverse("applications:asset_list"), reverse("programs:list")]
    urls_api = ["/api/v1/applications/", "/api/v1/ip-assets/", "/api/v1/programs/"]
    client.get(urls_web[0])
    one = [_count(client, u) for u in urls_web] + [_count(api, u) for u in urls_api]
    for _ in range(49):
        asset = IPAssetFactory(company=company)
        ApplicationFactory(company=company, created_by=applicant, program=program).ip_assets.set([asset])
        ProgramFactory()
    fifty = [_count(client, u) for u in urls_web] + [_count(api, u) for u in urls_api]
    assert one == fifty


def test_the_wizard_keeps_what_was_typed_when_the_amount_is_out_of_range(client, applicant):
    application = ApplicationFactory(
        company=company_for_user(applicant),
        created_by=applicant,
        program__min_amount=Decimal("1000"),
        program__max_amount=Decimal("5000"),
        requested_amount=None,
    )
    client.force_login(applicant)
    response = client.post(
        reverse("applications:wizard", args=[application.pk, "amount"]),
        {"requested_amount": "999999", "purpose": "My carefully written purpose"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "My carefully written purpose" in body and "999999" in body
    assert "between" in body.lower()
    application.refresh_from_db()
    assert application.requested_amount is None


def test_the_wizard_shows_why_a_draft_cannot_be_submitted_and_refuses_it(client, applicant):
    application = ApplicationFactory(company=company_for_user(applicant, employees=900), created_by=applicant)
    application.ip_assets.set([IPAssetFactory(company=application.company)])
    from programs.models import EligibilityRule

    EligibilityRule.objects.create(
        program=application.program,
        kind="company_size",
        parameters={"max_employees": 300},
        explanation="At most 300 employees",
    )
    client.force_login(applicant)
    preview = client.get(reverse("applications:wizard", args=[application.pk, "eligibility"]))
    assert "At most 300 employees" in preview.content.decode() and "900" in preview.content.decode()
    refused = client.post(
        reverse("applications:wizard", args=[application.pk, "declaration"]), {"declaration": "on"}
    )
    assert refused.status_code == 200
    assert "900 employees" in refused.content.decode()
    assert Application.objects.get(pk=application.pk).status == Status.DRAFT


def test_the_applicant_sees_the_reference_and_the_timeline_after_submitting(client, applicant):
    application = ApplicationFactory(company=company_for_user(applicant), created_by=applicant)
    application.ip_assets.set([IPAssetFactory(company=application.company)])
    client.force_login(applicant)
    response = client.post(
        reverse("applications:wizard", args=[application.pk, "declaration"]), {"declaration": "on"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    application.refresh_from_db()
    body = page.content.decode()
    assert application.reference in body and "application.submit" in body


def test_a_new_sme_user_registers_the_company_through_the_form_and_keeps_input_on_errors(client):
    from tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    bad = client.post(
        reverse("applications:company"),
        {
            "legal_name": "Keep Me Ltd",
            "country": "KR",
            "registration_number": "12345",
            "sector": "Games",
            "employees": "5",
            "currency": "KRW",
        },
    )
    assert bad.status_code == 200 and "Keep Me Ltd" in bad.content.decode()
    assert "123-45-67890" in bad.content.decode()
    ok = client.post(
        reverse("applications:company"),
        {
            "legal_name": "Keep Me Ltd",
            "country": "KR",
            "registration_number": "123-45-67890",
            "sector": "Games",
            "employees": "5",
            "currency": "KRW",
            "revenue_2025": "1000",
        },
    )
    assert ok.status_code == 302
    company = Company.objects.get(registration_number="123-45-67890")
    assert company.organization.memberships.get().user == user
    assert company.financial_years.get().revenue == Decimal("1000")


def test_the_application_list_gives_each_application_its_own_asset_ids(api_client, applicant):
    company = company_for_user(applicant)
    program = ProgramFactory()
    first, second = IPAssetFactory(company=company), IPAssetFactory(company=company)
    both = ApplicationFactory(company=company, created_by=applicant, program=program)
    both.ip_assets.set([second, first])
    one = ApplicationFactory(company=company, created_by=applicant, program=program)
    one.ip_assets.set([second])
    ApplicationFactory(company=company, created_by=applicant, program=program)  # none
    api = _token_client(api_client, applicant)
    listed = {row["id"]: row["ip_assets"] for row in api.get("/api/v1/applications/").json()["results"]}
    assert listed[both.pk] == sorted([first.pk, second.pk])
    assert listed[one.pk] == [second.pk]
    assert sorted(len(ids) for ids in listed.values()) == [0, 1, 2]
    detail = api.get(f"/api/v1/applications/{both.pk}/").json()
    assert sorted(detail["ip_assets"]) == sorted([first.pk, second.pk])


def test_the_amount_step_shows_a_missing_exchange_rate_as_a_form_error_and_keeps_the_input(client, applicant):
    """The company's GBP case cannot be counted against a KRW ceiling without a GBP→KRW rate: a form error, not a
    500, and nothing saved until the agency enters the rate."""
    company = company_for_user(applicant)
    ApplicationFactory(
        company=company,
        created_by=applicant,
        program__currency="GBP",
        status=Status.SUBMITTED,
        reference="GB-2026-000001",
        requested_amount=Decimal("300000"),
    )
    draft = ApplicationFactory(
        company=company, created_by=applicant, program__currency="KRW", requested_amount=None
    )
    client.force_login(applicant)
    url = reverse("applications:wizard", args=[draft.pk, "amount"])
    assert client.get(url).status_code == 200
    answer = client.post(url, {"requested_amount": "250000000", "purpose": "Scale up the plant"})
    body = answer.content.decode()
    assert answer.status_code == 200
    assert "No exchange rate from GBP to KRW" in body
    assert "250000000" in body and "Scale up the plant" in body
    assert Application.objects.get(pk=draft.pk).requested_amount is None
    eligibility = client.get(reverse("applications:wizard", args=[draft.pk, "eligibility"]))
    assert (
        eligibility.status_code == 200 and "No exchange rate from GBP to KRW" in eligibility.content.decode()
    )
