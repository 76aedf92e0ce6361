from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from facilities import services as facility_services
from tests.factories import make_token

from .conftest import disburse

pytestmark = pytest.mark.django_db


def as_user(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    return api_client


@pytest.fixture
def defaulted(guaranteed, banker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        disburse(guaranteed, banker)
        facility_services.facility_default(
            facility=guaranteed, actor=banker, reason_code="D10", on=date(2026, 3, 1)
        )
    return guaranteed


def test_the_bank_polls_its_events_page_by_page_with_a_cursor(api_client, defaulted, banker):
    client = as_user(api_client, banker)
    first = client.get("/api/v1/events/?page_size=1").json()
    assert [e["type"] for e in first["results"]] == ["facility.disbursed"]
    assert first["results"][0]["payload"]["object"] == {"kind": "facility", "id": defaulted.pk}
    second = client.get(first["next"]).json()
    assert [e["type"] for e in second["results"]] == ["facility.defaulted"]
    assert (
        client.get("/api/v1/events/?type=facility.defaulted").json()["results"][0]["type"]
        == "facility.defaulted"
    )


def test_another_bank_sees_no_event_of_the_first_banks_facility(api_client, defaulted, other_banker):
    assert as_user(api_client, other_banker).get("/api/v1/events/").json()["results"] == []


def test_the_agency_sees_its_programs_facility_events_and_applicants_do_not(
    api_client, defaulted, officer, applicant, outsider_applicant
):
    officer_types = [e["type"] for e in as_user(api_client, officer).get("/api/v1/events/").json()["results"]]
    assert officer_types == ["facility.disbursed", "facility.defaulted"]
    for sme in (applicant, outsider_applicant):  # facilities are the bank's and the agency's, not the SME's
        assert as_user(api_client, sme).get("/api/v1/events/").json()["results"] == []


def test_an_anonymous_caller_is_refused(api_client):
    response = api_client.get("/api/v1/events/")
    assert response.status_code == 403 and response.json()["code"] == "not_authenticated"


def test_the_feed_costs_the_same_queries_for_one_event_and_many(
    api_client, guaranteed, banker, django_capture_on_commit_callbacks
):
    client = as_user(api_client, banker)
    with django_capture_on_commit_callbacks(execute=True):
        disburse(guaranteed, banker)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/api/v1/events/").json()["results"]) == 1
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            facility_services.facility_report_restructuring(
                facility=guaranteed, actor=banker, description=f"r{n}"
            )
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/events/").json()["results"]) == 6
    assert len(one) == len(many)


def test_a_client_resumes_polling_after_the_last_event_it_processed(api_client, defaulted, banker):
    client = as_user(api_client, banker)
    [first, second] = client.get("/api/v1/events/").json()["results"]
    assert [e["id"] for e in client.get(f"/api/v1/events/?after={first['id']}").json()["results"]] == [
        second["id"]
    ]
    assert client.get(f"/api/v1/events/?after={second['id']}").json()["results"] == []
    bad = client.get("/api/v1/events/?after=yesterday")
    assert bad.status_code == 400 and bad.json()["details"] == {"after": ["an integer"]}
