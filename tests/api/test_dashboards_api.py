"""The program dashboard and the portfolio as JSON: the page's builders, the page's readers."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from dashboards.api import plain
from dashboards.program import build_dashboard
from facilities import services
from tests.facilities import conftest as facility_fixtures
from tests.factories import make_token, make_user

pytestmark = pytest.mark.django_db
bank, banker, guaranteed = facility_fixtures.bank, facility_fixtures.banker, facility_fixtures.guaranteed


def get(api_client, user, url, **params):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    return api_client.get(url, params)


@pytest.fixture
def disbursed(guaranteed, banker):
    services.facility_disburse(
        facility=guaranteed,
        actor=banker,
        amount=guaranteed.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="k",
    )
    return guaranteed


def test_the_portfolio_shows_the_readers_facilities_in_their_currency(
    api_client, disbursed, officer, other_agency
):
    body = get(api_client, officer, "/api/v1/dashboards/portfolio/").json()
    [outstanding] = [t for t in body["data"]["tables"] if t["key"] == "outstanding"]
    code = disbursed.application.program.code
    assert outstanding["rows"] == [[code, "KRW", 1, "1200000"]]  # 12 instalments of 100,000, none paid
    assert body["data"]["headline"][0] == {"label": "Facilities disbursed", "value": 1}
    stranger = make_user(Role.CASE_OFFICER, other_agency)
    theirs = get(api_client, stranger, "/api/v1/dashboards/portfolio/").json()
    assert [t for t in theirs["data"]["tables"] if t["key"] == "outstanding"][0]["rows"] == []


def test_the_program_dashboard_is_the_pages_builder(api_client, disbursed, official):
    end = timezone.localdate()
    start = end - timedelta(days=365)
    response = get(api_client, official, "/api/v1/dashboards/program/", scope="all")
    assert response.status_code == 200
    body = response.json()
    assert (body["period_start"], body["period_end"]) == (start.isoformat(), end.isoformat())
    assert body["data"]["figures"]["funnel"]["disbursed"] == 1
    assert body["data"] == plain(build_dashboard("all", start, end)[1])


@pytest.mark.parametrize(
    "params, field",
    [
        ({"start": "2026-06-01", "end": "2026-01-01"}, "end"),
        ({"start": "0001-01-01"}, "start"),
        ({"end": "yesterday"}, "end"),
        ({"scope": "planet:mars"}, "scope"),
    ],
)
def test_a_bad_period_or_scope_is_a_400_in_the_error_shape(api_client, official, params, field):
    response = get(api_client, official, "/api/v1/dashboards/program/", **params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and field in response.json()["details"]


@pytest.mark.parametrize("role", [Role.LENDER_OFFICER, Role.APPLICANT, Role.VALUER, Role.FUND_MANAGER])
def test_only_agency_staff_and_officials_read_them(api_client, role):
    user = make_user(role)
    assert get(api_client, user, "/api/v1/dashboards/program/").status_code == 403
    assert get(api_client, user, "/api/v1/dashboards/portfolio/").status_code == 403
