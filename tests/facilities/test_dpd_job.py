"""The nightly days-past-due job: set-based (its query count does not grow with the facilities) and every
ACTIVE/DELINQUENT flip leaves an audit event."""

from datetime import date
from uuid import uuid4

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from audit.models import AuditEvent
from facilities import services
from facilities.models import Facility, FacilityStatus, Installment
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def disburse(facility, banker, key):
    return services.facility_disburse(
        facility=facility,
        actor=banker,
        amount=facility.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key=key,
    )


def copies_of(facility, n):
    """``n`` more live facilities with the same schedule, each on an application of its own (rows at rest: the
    job only reads them)."""
    installments = list(facility.installments.all())
    for _ in range(n):
        clone = Facility.objects.get(pk=facility.pk)
        clone.pk, clone.status, clone.days_past_due, clone.dpd_bucket = None, "active", 0, "current"
        clone.application = ApplicationFactory(
            program=facility.application.program, status="approved", reference=f"DPD-{uuid4().hex[:12]}"
        )
        clone.save(force_insert=True)
        for installment in installments:
            installment.pk = None
            installment.facility = clone
        Installment.objects.bulk_create(installments)


def test_a_missed_instalment_makes_the_facility_delinquent_with_an_audit_event(guaranteed, banker):
    disburse(guaranteed, banker, "k-dpd-1")
    with freeze_time("2026-02-10"):  # the first instalment fell due on 2026-02-01 and is unpaid
        assert services.facilities_update_dpd() == []
    guaranteed.refresh_from_db()
    assert (guaranteed.status, guaranteed.days_past_due, guaranteed.dpd_bucket) == ("delinquent", 9, "1-30")
    event = AuditEvent.objects.get(action="facility.delinquent", target_id=str(guaranteed.pk))
    assert (event.old_state, event.new_state, event.actor_label) == ("active", "delinquent", "system")
    assert event.details == {"days_past_due": 9}


def test_a_second_run_on_the_same_day_writes_nothing(guaranteed, banker):
    disburse(guaranteed, banker, "k-dpd-2")
    with freeze_time("2026-02-10"):
        services.facilities_update_dpd()
        before = AuditEvent.objects.count()
        with CaptureQueriesContext(connection) as queries:
            services.facilities_update_dpd()
    assert AuditEvent.objects.count() == before
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


def test_the_job_makes_the_same_number_of_queries_for_one_facility_and_for_fifty(guaranteed, banker):
    disburse(guaranteed, banker, "k-dpd-3")

    def queries_of_one_run(day):
        with freeze_time(day), CaptureQueriesContext(connection) as queries:
            services.facilities_update_dpd()
        return len(queries.captured_queries)

    one = queries_of_one_run("2026-02-10")  # one flip to delinquent: lock, sums, update, audit insert
    copies_of(guaranteed, 49)
    assert Facility.objects.filter(status__in=["active", "delinquent"]).count() == 50
    fifty = queries_of_one_run("2026-02-10")  # the 49 copies flip the same day: the same statements
    assert fifty == one
    assert set(Facility.objects.values_list("days_past_due", flat=True)) == {9}
    assert AuditEvent.objects.filter(action="facility.delinquent").count() == 50


def test_a_facility_past_the_threshold_defaults_with_the_reason(guaranteed, banker):
    disburse(guaranteed, banker, "k-dpd-4")
    with freeze_time("2026-05-02"):  # 90 days after 2026-02-01
        [defaulted] = services.facilities_update_dpd()
    assert defaulted == guaranteed.pk
    guaranteed.refresh_from_db()
    assert guaranteed.status == FacilityStatus.DEFAULTED


def test_the_flips_are_announced_together_once_the_job_commits(
    guaranteed, banker, django_capture_on_commit_callbacks
):
    from audit.services import audit_recorded_many

    heard = []

    def listener(sender, events, **kwargs):
        heard.append([event.action for event in events])

    disburse(guaranteed, banker, "k-dpd-5")
    audit_recorded_many.connect(listener)
    try:
        with freeze_time("2026-02-10"), django_capture_on_commit_callbacks(execute=True):
            services.facilities_update_dpd()
    finally:
        audit_recorded_many.disconnect(listener)
    assert heard == [["facility.delinquent"]]  # the job's events together, once
