"""After an action on a case, the page says what changed, on which case, for whom and the amount."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.casework.test_services import to_recommended

pytestmark = pytest.mark.django_db


def _messages(response):
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def test_starting_the_screening_names_the_case_and_the_company(client, officer, submitted):
    client.force_login(officer)
    response = client.post(reverse("casework:action", args=[submitted.pk, "start_screening"]))
    assert _messages(response) == [
        ("success", f"{submitted.reference}: screening started ({submitted.company.legal_name}).")
    ]


def test_an_approval_says_the_amount_and_for_whom(client, officer, approver, submitted):
    to_recommended(submitted, officer)
    client.force_login(approver)
    response = client.post(
        reverse("casework:action", args=[submitted.pk, "decide"]),
        {"outcome": "approve", "reason_code": "A01", "comment": ""},
    )
    submitted.refresh_from_db()
    amount = f"{submitted.approved_amount:,.0f} {submitted.currency}"
    assert _messages(response) == [
        (
            "success",
            f"{submitted.reference} approved: {amount} for {submitted.company.legal_name}. The applicant is notified.",
        )
    ]
