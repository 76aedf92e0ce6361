"""Hostile input answers a clear 4xx in the error shape, never a 500: the cases schemathesis and hand-made probes
found (a non-numeric id, a draft withdrawn, JSON nested 50,000 deep, a revenue year 99999, two Chinese credit
codes sharing their first 17 characters)."""

import json

import pytest
from rest_framework.test import APIClient

from accounts.roles import Role
from applications import services
from applications.models import Company, CompanyFinancialYear, Status
from audit.models import AuditEvent
from core.errors import InvalidInput
from tests.factories import ApplicationFactory, UserFactory, company_for_user, make_submitted, make_user


def _client(user):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def _assert_error_shape(response, status, code=None):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["message"]
    if code:
        assert body["code"] == code


def _object_paths():
    """Every API path of the schema that names an object (``{id}``, ``{pk}``)."""
    client = APIClient()
    client.force_authenticate(UserFactory())
    schema = client.get("/api/schema/", {"format": "json"}).json()
    return sorted(path for path in schema["paths"] if "{id}" in path or "{pk}" in path)


@pytest.mark.django_db
@pytest.mark.parametrize("bad_id", ["abc", "1.5", "-1", "%F0%9F%92%A5", "1e3", "0x10"])
def test_a_non_numeric_id_on_any_object_path_is_a_404_in_the_error_shape(program, officer, bad_id):
    applicant = make_submitted(program).created_by
    paths = _object_paths()
    assert len(paths) >= 25
    for user in (applicant, officer):
        client = _client(user)
        for path in paths:
            url = path.replace("{id}", bad_id).replace("{pk}", bad_id)
            for method in ("get", "post"):
                response = getattr(client, method)(url, {}, format="json")
                assert response.status_code == 404, f"{method} {url}: {response.status_code}"
                _assert_error_shape(response, 404, "not_found")


@pytest.mark.django_db
def test_an_id_too_large_for_the_database_is_a_404_not_an_overflow(program):
    applicant = make_submitted(program).created_by
    response = _client(applicant).get("/api/v1/applications/99999999999999999999999/")
    _assert_error_shape(response, 404, "not_found")


@pytest.mark.django_db
def test_an_api_address_that_matches_no_route_is_a_404_in_the_error_shape():
    response = _client(UserFactory()).get("/api/v1/no-such-thing/")
    _assert_error_shape(response, 404, "not_found")


@pytest.mark.django_db
def test_withdrawing_a_draft_is_refused_with_a_409_and_changes_nothing(program):
    program.is_published = True
    program.save(update_fields=["is_published"])
    application = ApplicationFactory(program=program)
    events = AuditEvent.objects.count()
    response = _client(application.created_by).post(
        f"/api/v1/applications/{application.pk}/withdraw/", {"reason": "changed my mind"}, format="json"
    )
    _assert_error_shape(response, 409, "illegal_transition")
    application.refresh_from_db()
    assert application.status == Status.DRAFT
    assert AuditEvent.objects.count() == events
    assert "withdraw" not in application.allowed_actions()


@pytest.mark.django_db
def test_a_submitted_application_can_still_be_withdrawn(program):
    application = make_submitted(program)
    response = _client(application.created_by).post(
        f"/api/v1/applications/{application.pk}/withdraw/", {}, format="json"
    )
    assert response.status_code == 200, response.content
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [50_000, 33])
def test_json_nested_too_deep_is_a_400_parse_error(program, depth):
    applicant = make_submitted(program).created_by
    body = "[" * depth + "]" * depth
    for url in ("/api/v1/applications/", "/api/v1/company/"):
        response = _client(applicant).post(url, body, content_type="application/json")
        _assert_error_shape(response, 400, "parse_error")
        assert "nested" in response.json()["message"]


@pytest.mark.django_db
def test_json_nested_too_deep_is_refused_by_the_upload_actions_too(program):
    application = make_submitted(program)
    body = '{"a":' * 50_000 + "1" + "}" * 50_000
    response = _client(application.created_by).post(
        f"/api/v1/applications/{application.pk}/documents/", body, content_type="application/json"
    )
    _assert_error_shape(response, 400, "parse_error")


@pytest.mark.django_db
def test_ordinary_nesting_is_still_accepted(program):
    program.is_published = True
    program.save(update_fields=["is_published"])
    applicant = make_submitted(program).created_by
    body = json.dumps(
        {"program": program.code, "requested_amount": "2000000", "purpose": "x", "ip_assets": []}
    )
    response = _client(applicant).post("/api/v1/applications/", body, content_type="application/json")
    assert response.status_code == 201, response.content


@pytest.mark.django_db
@pytest.mark.parametrize("year", ["99999", "1899", "3000", "-1", "abc", "2020.5"])
def test_a_revenue_year_out_of_range_is_a_400_on_the_year(year):
    user = make_user(Role.APPLICANT)
    company_for_user(user)
    response = _client(user).patch("/api/v1/company/", {"revenues": {year: "1000"}}, format="json")
    _assert_error_shape(response, 400, "invalid")
    assert year in response.json()["details"]["revenues"]
    assert not CompanyFinancialYear.objects.exists()


@pytest.mark.django_db
def test_the_service_refuses_a_revenue_year_out_of_range_whoever_calls_it():
    user = make_user(Role.APPLICANT)
    company = company_for_user(user)
    with pytest.raises(InvalidInput) as refused:
        services.company_update(company=company, actor=user, data={}, revenues={99999: 1000})
    assert refused.value.code == "invalid_revenue_year"
    assert not CompanyFinancialYear.objects.exists()


@pytest.mark.django_db
def test_a_past_revenue_year_is_kept():
    user = make_user(Role.APPLICANT)
    company_for_user(user)
    response = _client(user).patch("/api/v1/company/", {"revenues": {"2023": "1000"}}, format="json")
    assert response.status_code == 200, response.content
    assert CompanyFinancialYear.objects.get().year == 2023


@pytest.mark.django_db
def test_an_unknown_currency_is_a_400_not_a_database_error():
    user = make_user(Role.APPLICANT)
    company_for_user(user)
    response = _client(user).patch(
        "/api/v1/company/", {"revenues": {"2023": "1000"}, "currency": "EURO"}, format="json"
    )
    _assert_error_shape(response, 400, "invalid")
    assert "currency" in response.json()["details"]


def _register(user, number, name):
    return _client(user).post(
        "/api/v1/company/",
        {
            "legal_name": name,
            "registration_number": number,
            "country": "CN",
            "sector": "biotech",
            "employees": 5,
        },
        format="json",
    )


@pytest.mark.django_db
def test_two_chinese_credit_codes_sharing_17_characters_register_two_companies():
    first, second = "91110000600037341L", "91110000600037341M"
    assert first[:17] == second[:17]
    response = _register(UserFactory(), first, "First Co.")
    assert response.status_code == 201, response.content
    response = _register(UserFactory(), second, "Second Co.")
    assert response.status_code == 201, response.content
    codes = {c.organization.short_code for c in Company.objects.select_related("organization")}
    assert len(codes) == 2
    assert all(len(code) <= 20 for code in codes)


@pytest.mark.django_db
def test_the_same_chinese_credit_code_twice_is_a_409():
    assert _register(UserFactory(), "91110000600037341L", "First Co.").status_code == 201
    response = _register(UserFactory(), "91110000600037341L", "Copy Co.")
    _assert_error_shape(response, 409, "duplicate_company")


def test_a_short_number_keeps_its_readable_short_code_and_a_long_one_gets_a_digest():
    assert services.company_short_code("KR", "123-45-67890") == "CKR1234567890"
    long_a = services.company_short_code("CN", "91110000600037341L")
    long_b = services.company_short_code("CN", "91110000600037341M")
    assert long_a != long_b
    assert len(long_a) == len(long_b) == 20
    assert long_a.startswith("CCN")


@pytest.mark.django_db
def test_a_page_size_that_is_not_a_number_is_a_400_on_the_event_feed_too(api_client):
    from accounts.roles import Role
    from tests.factories import OrganizationFactory, make_token, make_user

    banker = make_user(Role.LENDER_OFFICER, OrganizationFactory(kind="lender"))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(banker)}")
    for raw in ("null", "abc", "1.5"):
        response = api_client.get(f"/api/v1/events/?page_size={raw}")
        assert response.status_code == 400 and "page_size" in response.json()["details"], raw
    assert api_client.get("/api/v1/events/?page_size=5").status_code == 200
