"""Assigning through the API names no one: any id that is not an officer of the case's agency gets one answer."""

import pytest

from accounts.roles import Role
from audit.models import AuditEvent
from tests.factories import make_token, make_user

pytestmark = pytest.mark.django_db


def test_assigning_any_other_user_answers_without_naming_them(
    api_client, approver, submitted, other_agency, lender, applicant
):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(approver)}")
    strangers = [
        lender,
        applicant,
        make_user(Role.CASE_OFFICER, other_agency, full_name="Secret Name", email="secret@b.example"),
    ]
    answers = set()
    for stranger in strangers:
        response = api_client.post(
            f"/api/v1/cases/{submitted.pk}/assign/", {"officer": stranger.pk}, format="json"
        )
        assert response.status_code == 400
        body = response.content.decode()
        assert stranger.email not in body and (not stranger.full_name or stranger.full_name not in body)
        answers.add(body)
    missing = api_client.post(f"/api/v1/cases/{submitted.pk}/assign/", {"officer": 99999999}, format="json")
    answers.add(missing.content.decode())
    assert len(answers) == 1  # the same answer for a stranger and for nobody: existence is not told
    submitted.refresh_from_db()
    assert (
        submitted.assignee is None and not AuditEvent.objects.filter(action="application.assigned").exists()
    )


def test_an_officer_of_the_agency_is_assigned_through_the_api(api_client, approver, officer, submitted):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(approver)}")
    response = api_client.post(
        f"/api/v1/cases/{submitted.pk}/assign/", {"officer": officer.pk}, format="json"
    )
    assert response.status_code == 200 and response.json()["assignee"] == officer.email
