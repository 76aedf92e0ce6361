"""After an action, the page says what changed, on which facility, for whom and the amount; never a bare "Done."."""

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from facilities import services
from recoveries import services as recovery

pytestmark = pytest.mark.django_db
CHECKLIST = {item: True for item in recovery.CLAIM_CHECKLIST}


def _messages(response):
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def test_a_disbursement_names_the_facility_the_amount_and_the_parties(client, guaranteed, banker):
    client.force_login(banker)
    response = client.post(
        reverse("facilities:disburse", args=[guaranteed.pk]),
        {"amount": "1200000", "disbursed_on": "2026-01-01", "idempotency_key": "web-1"},
    )
    ref = guaranteed.application.reference
    assert _messages(response) == [
        (
            "success",
            f"Facility {ref} disbursed: 1,200,000 KRW from Bank A to {guaranteed.application.company.legal_name}.",
        )
    ]


def test_a_claim_payment_says_how_much_went_to_which_bank(client, guaranteed, banker, officer, approver):
    services.facility_disburse(
        facility=guaranteed,
        actor=banker,
        amount=guaranteed.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="k",
    )
    services.facility_default(facility=guaranteed, actor=banker, reason_code="D10", on=date(2026, 3, 1))
    claim = recovery.claim_file(facility=guaranteed, actor=banker, checklist=CHECKLIST)
    client.force_login(officer)
    response = client.post(reverse("recoveries:review_claim", args=[guaranteed.pk]), {"outcome": "pay_full"})
    assert _messages(response) == [("info", "Asked: a second person with the approver role must confirm it.")]
    client.get(response["Location"])  # the confirmation page shows (and so consumes) that message
    client.force_login(approver)
    response = client.post(response["Location"] + "confirm/")
    claim.refresh_from_db()
    (level, text), *_ = _messages(response)
    assert level == "success"
    assert text.startswith(
        f"Claim {guaranteed.application.reference} paid: {claim.amount_paid:,.0f} KRW to Bank A"
    )


def test_a_refused_csv_shows_only_the_refusal_not_a_success_beside_it(client, guaranteed, banker):
    services.facility_disburse(
        facility=guaranteed,
        actor=banker,
        amount=guaranteed.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="k",
    )
    client.force_login(banker)
    upload = SimpleUploadedFile("r.csv", b"2026-02-01,1000,A1\n2026-02-30,1000,A2\n", content_type="text/csv")
    response = client.post(reverse("facilities:csv", args=[guaranteed.pk]), {"file": upload})
    found = _messages(response)
    assert [level for level, _ in found] == ["error", "error"]
    assert "Nothing was imported" in found[-1][1]
    assert all("Done" not in text for _, text in found)
