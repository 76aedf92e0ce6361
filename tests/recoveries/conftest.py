from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from facilities import services as facility_services
from recoveries import services as recovery
from tests.facilities.conftest import bank, banker, guaranteed  # noqa: F401  (the same cast)


@pytest.fixture
def auction(guaranteed, banker, officer):  # noqa: F811
    """An open auction of a defaulted, claimed guaranteed loan's IP, reached through the services."""
    facility_services.facility_disburse(
        facility=guaranteed,
        actor=banker,
        amount=guaranteed.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="auction-1",
    )
    facility_services.facility_default(facility=guaranteed, actor=banker, reason_code="D10")
    claim = recovery.claim_file(
        facility=guaranteed, actor=banker, checklist={item: True for item in recovery.CLAIM_CHECKLIST}
    )
    recovery.claim_pay(claim=claim, actor=officer)
    return recovery.disposal_open(
        facility=guaranteed,
        actor=officer,
        channel="auction",
        opening_price=Decimal("100000"),
        bids_close_on=timezone.localdate() + timedelta(days=10),
    )
