from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from facilities import services as facility_services
from recoveries import services as recovery
from tests.facilities.conftest import bank, banker, guaranteed  # noqa: F401  (the same cast as tests/facilities)

CHECKLIST = {item: True for item in recovery.CLAIM_CHECKLIST}


@pytest.fixture
def defaulted(guaranteed, banker):  # noqa: F811
    """Disbursed 1,200,000 KRW on 2026-01-01 and defaulted the same day: nothing due, no interest accrued, so the
    exposure at default is the principal, 1,200,000; the claim at 80 % coverage is 960,000."""
    facility_services.facility_disburse(
        facility=guaranteed,
        actor=banker,
        amount=guaranteed.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="d1",
    )
    facility_services.facility_default(
        facility=guaranteed, actor=banker, reason_code="D10", on=date(2026, 1, 1)
    )
    guaranteed.refresh_from_db()
    return guaranteed


@pytest.fixture
def claim(defaulted, banker):  # noqa: F811
    return recovery.claim_file(facility=defaulted, actor=banker, checklist=CHECKLIST)


@pytest.fixture
def auction(claim, officer, approver):
    """An open auction of a defaulted, claimed guaranteed loan's IP, reached through the services (the claim paid
    by a maker and a checker)."""
    move = recovery.claim_payment_request(claim=claim, actor=officer)
    recovery.money_move_confirm(move=move, actor=approver)
    return recovery.disposal_open(
        facility=claim.facility,
        actor=officer,
        channel="auction",
        opening_price=Decimal("100000"),
        bids_close_on=timezone.localdate() + timedelta(days=10),
    )
