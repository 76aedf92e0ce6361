from datetime import date

import pytest

from facilities import services
from recoveries import services as recovery
from tests.facilities.conftest import bank, banker, guaranteed  # noqa: F401  (the same cast as tests/facilities)

CHECKLIST = {item: True for item in recovery.CLAIM_CHECKLIST}


@pytest.fixture
def defaulted(guaranteed, banker):  # noqa: F811
    """Disbursed 1,200,000 KRW on 2026-01-01 and defaulted the same day: nothing due, no interest accrued, so the
    exposure at default is the principal, 1,200,000; the claim at 80 % coverage is 960,000."""
    services.facility_disburse(
        facility=guaranteed,
        actor=banker,
        amount=guaranteed.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key="d1",
    )
    services.facility_default(facility=guaranteed, actor=banker, reason="insolvency", on=date(2026, 1, 1))
    guaranteed.refresh_from_db()
    return guaranteed


@pytest.fixture
def claim(defaulted, banker):  # noqa: F811
    return recovery.claim_file(facility=defaulted, actor=banker, checklist=CHECKLIST)
