"""Reports and report runs follow the visibility of their scope: agency staff read and order their own funds' only."""

import pytest

from accounts.roles import Role
from funds import services as fund_services
from reporting.models import ReportRun
from tests.factories import make_token, make_user
from tests.funds.factories import REPORT_QUARTER, mother_fund, request_fund_report, sub_fund_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_agencies_funds(agency, other_agency, django_capture_on_commit_callbacks):
    ours = mother_fund("1000", name="Ours", agency=agency)
    theirs = mother_fund("1000", name="Theirs", agency=other_agency)
    for mother in (ours, theirs):
        fund_services.sub_fund_create(
            parent=mother, actor=None, **sub_fund_fields("400", name=f"{mother.name} sub")
        )
    with django_capture_on_commit_callbacks(execute=True):
        runs = {
            scope: request_fund_report(scope) for scope in ("all", f"fund:{ours.pk}", f"fund:{theirs.pk}")
        }
    for run in runs.values():
        run.refresh_from_db()
    return ours, theirs, runs


def _order(api_client, user, scope):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    return api_client.post(
        "/api/v1/report-runs/",
        {
            "kind": "fund_utilisation",
            "scope": scope,
            "period_start": str(REPORT_QUARTER[0]),
            "period_end": str(REPORT_QUARTER[1]),
        },
        format="json",
    )


def test_agency_staff_read_their_own_funds_report_and_not_another_agencys(
    client, api_client, officer, two_agencies_funds
):
    ours, theirs, runs = two_agencies_funds
    client.force_login(officer)
    assert client.get(f"/reporting/{runs[f'fund:{ours.pk}'].report_id}/").status_code == 200
    for scope in ("all", f"fund:{theirs.pk}"):
        report_id = runs[scope].report_id
        assert client.get(f"/reporting/{report_id}/").status_code == 404
        assert client.get(f"/reporting/{report_id}/download.csv").status_code == 404
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(officer)}")
        assert api_client.get(f"/api/v1/reports/{report_id}/").status_code == 404
        assert api_client.get(f"/api/v1/report-runs/{runs[scope].pk}/").status_code == 404
    listed = {r["id"] for r in api_client.get("/api/v1/reports/").json()["results"]}
    assert listed == {runs[f"fund:{ours.pk}"].report_id}


def test_agency_staff_cannot_order_another_agencys_fund_report_and_nothing_is_recorded(
    client, api_client, approver, two_agencies_funds
):
    ours, theirs, _runs = two_agencies_funds
    before = ReportRun.objects.count()
    for scope in ("all", f"fund:{theirs.pk}"):
        response = _order(api_client, approver, scope)
        assert response.status_code == 404 and response.json()["code"] == "unknown_scope"
        client.force_login(approver)
        client.post(
            "/reporting/request/",
            {
                "kind": "fund_utilisation",
                "scope": scope,
                "period_start": str(REPORT_QUARTER[0]),
                "period_end": str(REPORT_QUARTER[1]),
            },
        )
    assert ReportRun.objects.count() == before
    assert _order(api_client, approver, f"fund:{ours.pk}").status_code == 202


def test_officials_read_and_order_every_scope(api_client, official, two_agencies_funds):
    _ours, theirs, runs = two_agencies_funds
    assert _order(api_client, official, f"fund:{theirs.pk}").status_code == 202
    assert api_client.get(f"/api/v1/reports/{runs['all'].report_id}/").status_code == 200


def test_an_administrator_of_an_oversight_body_reads_no_funds_report(client, two_agencies_funds):
    from accounts.roles import OrganizationKind
    from tests.factories import OrganizationFactory

    administrator = make_user(Role.ADMINISTRATOR, OrganizationFactory(kind=OrganizationKind.OVERSIGHT))
    client.force_login(administrator)
    _ours, theirs, runs = two_agencies_funds
    assert client.get(f"/reporting/{runs[f'fund:{theirs.pk}'].report_id}/").status_code == 404
