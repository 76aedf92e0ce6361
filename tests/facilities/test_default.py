"""Who may declare a facility in default, and why: the bank, the program's agency, or the nightly threshold."""

from datetime import date

import pytest
from freezegun import freeze_time

from accounts.roles import OrganizationKind, Role
from audit.models import AuditEvent
from core.errors import InvalidInput, PermissionRefused
from facilities import services
from facilities.models import Facility, FacilityStatus
from tests.factories import OrganizationFactory, make_user

from .test_chain import disburse

pytestmark = pytest.mark.django_db


def _unchanged(facility, events_before):
    facility.refresh_from_db()
    return facility.status == FacilityStatus.ACTIVE and AuditEvent.objects.count() == events_before


def test_a_read_only_official_cannot_declare_a_default_and_nothing_changes(guaranteed, banker, official):
    disburse(guaranteed, banker)
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionRefused):
        services.facility_default(facility=guaranteed, actor=official, reason_code="D10")
    assert _unchanged(guaranteed, before)


def test_another_bank_and_another_agency_cannot_declare_a_default(guaranteed, banker, other_agency):
    disburse(guaranteed, banker)
    before = AuditEvent.objects.count()
    for outsider in (
        make_user(Role.LENDER_OFFICER, OrganizationFactory(kind=OrganizationKind.LENDER)),
        make_user(Role.CASE_OFFICER, other_agency),
        make_user(Role.APPLICANT, guaranteed.application.company.organization),
    ):
        with pytest.raises(PermissionRefused):
            services.facility_default(facility=guaranteed, actor=outsider, reason_code="D10")
    assert _unchanged(guaranteed, before)


def test_the_bank_declares_a_default_with_a_reason_code_and_it_is_audited(guaranteed, banker):
    disburse(guaranteed, banker)
    services.facility_default(
        facility=guaranteed,
        actor=banker,
        reason_code="D10",
        comment="court filing 2026-03",
        on=date(2026, 3, 1),
    )
    guaranteed.refresh_from_db()
    assert guaranteed.status == FacilityStatus.DEFAULTED
    assert (
        guaranteed.default_reason.startswith("D10 Insolvency") and "court filing" in guaranteed.default_reason
    )
    event = AuditEvent.objects.get(action="facility.defaulted")
    assert event.actor == banker and event.details["reason_code"] == "D10"


def test_the_program_agency_staff_may_declare_a_default(guaranteed, banker, approver):
    disburse(guaranteed, banker)
    services.facility_default(facility=guaranteed, actor=approver, reason_code="D20")
    guaranteed.refresh_from_db()
    assert guaranteed.status == FacilityStatus.DEFAULTED


def test_a_declaration_before_the_threshold_needs_a_coded_reason(guaranteed, banker):
    disburse(guaranteed, banker)
    before = AuditEvent.objects.count()
    for code in ("", "insolvency", services.THRESHOLD):
        with pytest.raises(InvalidInput):
            services.facility_default(facility=guaranteed, actor=banker, reason_code=code)
    assert _unchanged(guaranteed, before)


def test_the_nightly_job_declares_at_the_threshold_and_a_person_may_cite_it_then(guaranteed, banker):
    disburse(guaranteed, banker)
    with freeze_time("2026-03-15"):  # first instalment due 2026-02-01: 42 days past due, below 90
        assert services.facilities_update_dpd() == []
        with pytest.raises(InvalidInput):
            services.facility_default(facility=guaranteed, actor=banker, reason_code=services.THRESHOLD)
    with freeze_time("2026-06-15"):
        [defaulted] = services.facilities_update_dpd()
    defaulted = Facility.objects.get(pk=defaulted)
    assert defaulted.status == FacilityStatus.DEFAULTED
    event = AuditEvent.objects.get(action="facility.defaulted")
    assert event.actor is None and event.details["reason_code"] == services.THRESHOLD
    assert "threshold 90" in defaulted.default_reason


def test_the_official_posting_the_default_form_is_refused_on_the_web(client, guaranteed, banker, official):
    disburse(guaranteed, banker)
    client.force_login(official)
    response = client.post(f"/facilities/{guaranteed.pk}/default/", {"reason_code": "D10"})
    assert response.status_code in (400, 403)
    guaranteed.refresh_from_db()
    assert guaranteed.status == FacilityStatus.ACTIVE


def test_the_bank_declares_through_the_form_with_a_reason_code(client, guaranteed, banker):
    disburse(guaranteed, banker)
    client.force_login(banker)
    assert client.post(f"/facilities/{guaranteed.pk}/default/", {"reason": "insolvency"}).status_code == 400
    response = client.post(f"/facilities/{guaranteed.pk}/default/", {"reason_code": "D40", "comment": "x"})
    assert response.status_code == 302
    guaranteed.refresh_from_db()
    assert guaranteed.status == FacilityStatus.DEFAULTED and guaranteed.default_reason.startswith("D40")
