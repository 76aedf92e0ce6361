"""Agency staff read the program dashboards of their own agency's programs only; officials read every scope (an
outside tester read KIPO's figures as an approver of another agency)."""

import pytest

from accounts.roles import Role
from reporting.models import Report
from tests.factories import ProgramFactory, make_submitted, make_token, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_approver(other_agency):
    ProgramFactory(agency=other_agency, code="OTHER", name="Other agency's program")
    return make_user(Role.APPROVER, other_agency, email="approver@other.example")


def dashboard(api_client, user, scope):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    return api_client.get("/api/v1/dashboards/program/", {"scope": scope})


def test_an_approver_of_another_agency_does_not_read_kipos_dashboard(api_client, program, other_approver):
    make_submitted(program)
    for scope in ("program:KIPO", "agency:AGA", "all", "country:KR"):
        response = dashboard(api_client, other_approver, scope)
        assert response.status_code == 404, scope
        assert response.json()["code"] == "unknown_scope"
    own = dashboard(api_client, other_approver, "program:OTHER")
    assert own.status_code == 200 and own.json()["data"]["scope"] == "program:OTHER"


def test_the_programs_agency_and_officials_still_read_it(api_client, program, approver, official):
    make_submitted(program)
    assert dashboard(api_client, approver, "program:KIPO").status_code == 200
    assert dashboard(api_client, approver, "agency:AGA").status_code == 200
    for scope in ("program:KIPO", "all", "agency:AGA"):
        assert dashboard(api_client, official, scope).status_code == 200


def test_the_dashboard_page_lists_only_the_agencys_own_programs(client, program, other_approver, official):
    client.force_login(other_approver)
    page = client.get("/dashboards/programs/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "program:OTHER" in text and "program:KIPO" not in text and 'value="all"' not in text
    refused = client.get("/dashboards/programs.csv?scope=program:KIPO&start=2026-01-01&end=2026-06-30")
    assert refused.status_code == 400
    client.force_login(official)
    text = client.get("/dashboards/programs/").content.decode()
    assert "program:OTHER" in text and "program:KIPO" in text and 'value="all"' in text


def test_stored_program_reports_follow_the_same_rule(program, other_approver, approver):
    from datetime import date

    from reporting.selectors import reports_visible_to

    for scope in ("all", "program:KIPO", "program:OTHER"):
        Report.objects.create(
            kind="program_dashboard",
            scope=scope,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 1, 31),
            title=scope,
            data={},
        )
    assert {r.scope for r in reports_visible_to(user=other_approver)} == {"program:OTHER"}
    assert {r.scope for r in reports_visible_to(user=approver)} == {"program:KIPO"}
