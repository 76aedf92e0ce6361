"""The nightly job at scale: a fixed number of statements for 3 or 30 facilities (flips, recounts and defaults
alike), and the same outcome as the per-facility path it replaced (kept here as the reference: one
``facility_default`` by the system per facility past the threshold) on the same data: states, figures, audit
events, webhook events and deliveries. The guard of the conditional moves: a facility repaid meanwhile is left
alone."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from audit.models import AuditEvent
from audit.services import audit_record_system_many
from core.transitions import move_many
from facilities import services
from facilities.models import THRESHOLD, TRANSITIONS, Facility, FacilityStatus, Installment
from facilities.schedules import dpd_bucket
from webhooks.models import Delivery, Endpoint, Event

from .test_dpd_job import copies_of, disburse

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 15)  # the first instalment fell due on 2026-02-01: 134 days past due


def per_facility_update_dpd(today):
    """The job as it was before it became set-based (the reference): one read, a batched update and the flips'
    audit events, then ``facility_default`` (locked, checked, audited) for each facility past its threshold."""
    oldest = (
        Installment.objects.filter(facility=OuterRef("pk"), due_date__lt=today)
        .filter(Q(paid_principal__lt=F("principal")) | Q(paid_interest__lt=F("interest")))
        .order_by("due_date")
        .values("due_date")[:1]
    )
    rows = Facility.objects.filter(status__in=services.DPD_STATES).annotate(oldest_unpaid=Subquery(oldest))
    changed, flips, to_default = [], [], []
    for facility in rows.select_related("application__program"):
        dpd = (today - facility.oldest_unpaid).days if facility.oldest_unpaid else 0
        status = services._dpd_status(facility.status, dpd)
        if (facility.days_past_due, facility.dpd_bucket, facility.status) != (dpd, dpd_bucket(dpd), status):
            if facility.status != status:
                flips.append(_flip_event(facility, status, dpd))
            facility.days_past_due, facility.dpd_bucket, facility.status = dpd, dpd_bucket(dpd), status
            changed.append(facility)
        if dpd >= facility.application.program.default_threshold_days:
            to_default.append(facility)
    Facility.objects.bulk_update(changed, ["days_past_due", "dpd_bucket", "status"])
    audit_record_system_many(events=flips)
    return [
        services.facility_default(facility=f, actor=None, on=today, reason_code=THRESHOLD).pk
        for f in to_default
    ]


def _flip_event(facility, status, dpd):
    return {
        "action": TRANSITIONS.get(facility.status, services._dpd_action(dpd)).audit,
        "target": facility,
        "case": facility.application,
        "old_state": facility.status,
        "new_state": status,
        "details": {"days_past_due": dpd},
    }


FIGURES = [
    "pk",
    "status",
    "days_past_due",
    "dpd_bucket",
    "defaulted_on",
    "default_reason",
    "exposure_at_default",
]
AUDITED = [
    "action",
    "target_type",
    "target_id",
    "case_type",
    "case_id",
    "old_state",
    "new_state",
    "details",
    "actor",
    "actor_label",
    "organization",
    "ip_address",
    "applicant_visible",
]


def outcome():
    """Everything the job writes, without ids and times: facility figures, audit events, webhook events (their
    payload but its own id and time) and deliveries."""
    events = [
        (e.type, e.subject_kind, e.subject_id, e.payload["old_state"], e.payload["new_state"])
        for e in Event.objects.all()
    ]
    return {
        "facilities": sorted(Facility.objects.values_list(*FIGURES)),
        "audit": sorted(
            map(repr, AuditEvent.objects.filter(action__startswith="facility.").values_list(*AUDITED))
        ),
        "webhook_events": sorted(events),
        "deliveries": sorted(Delivery.objects.values_list("endpoint_id", "event__subject_id", "event__type")),
    }


@pytest.fixture
def portfolio(guaranteed, banker, bank, monkeypatch):
    """30 live facilities in five currencies (no minor unit in KRW and JPY) and three rates: some not due, some
    short of the threshold, some at it to the day, some far past it, some already delinquent; and an endpoint of
    the bank that hears delinquencies and defaults (nothing is sent: the nudges are not queued)."""
    monkeypatch.setattr("webhooks.services._queue", lambda *args, **kwargs: None)
    Endpoint.objects.create(
        organization=bank,
        url="https://bank.example/hooks",
        event_types=["facility.delinquent", "facility.defaulted"],
        secret="s" * 32,
        created_by=banker,
    )
    disburse(guaranteed, banker, "k-bulk")
    copies_of(guaranteed, 29)
    currencies = ["KRW", "JPY", "GBP", "USD", "CNY"]  # five against eight shapes: every currency defaults
    rates = [Decimal("0.0125"), Decimal("0.0333"), Decimal("0.0")]
    for i, facility in enumerate(Facility.objects.order_by("pk")):
        facility.currency, facility.subsidised_rate = currencies[i % 5], rates[i % 3]
        facility.save(update_fields=["currency", "subsidised_rate"])
        _shape(facility, i % 8)
    return Facility.objects.order_by("pk")


# kind -> (instalments paid, the next one's new due date, stored status, days past due, bucket)
SHAPES = {
    0: (0, None, None),  # 134 days: defaults
    1: (5, None, None),  # all due paid: current, untouched
    2: (1, date(2026, 3, 17), None),  # exactly 90 days: defaults at the threshold
    3: (4, None, ("delinquent", 13, "1-30")),  # delinquent already: 14 days now, recounted
    4: (0, None, None),  # a third of the first interest paid (below): 134 days, defaults
    5: (5, None, ("delinquent", 3, "1-30")),  # delinquent, all paid since: current again
    6: (4, None, None),  # 14 days: turns delinquent
    7: (1, date(2026, 3, 18), ("delinquent", 88, "61-90")),  # 89 days: short of the threshold
}


def _shape(facility, kind):
    paid, next_due, stored = SHAPES[kind]
    installments = list(facility.installments.order_by("number"))
    for installment in installments[:paid]:
        installment.paid_principal, installment.paid_interest = installment.principal, installment.interest
    if kind == 4:
        installments[0].paid_interest = (installments[0].interest / 3).quantize(Decimal("0.01"))
    if next_due:
        installments[paid].due_date = next_due
    Installment.objects.bulk_update(installments, ["paid_principal", "paid_interest", "due_date"])
    if stored:
        status, dpd, bucket = stored
        Facility.objects.filter(pk=facility.pk).update(status=status, days_past_due=dpd, dpd_bucket=bucket)


def test_the_set_based_job_writes_what_the_per_facility_path_wrote(
    portfolio, django_capture_on_commit_callbacks
):
    with freeze_time(DAY):
        with transaction.atomic():
            with django_capture_on_commit_callbacks(execute=True):
                before = sorted(per_facility_update_dpd(DAY))
            expected = outcome()
            transaction.set_rollback(True)
        with django_capture_on_commit_callbacks(execute=True):
            after = sorted(services.facilities_update_dpd())
    assert after == before and len(after) >= 10  # most of the portfolio defaults; some does not
    assert outcome() == expected
    statuses = {status for _pk, status, *_rest in expected["facilities"]}
    assert statuses == {"active", "delinquent", "defaulted"}
    assert (
        len({f[6] for f in expected["facilities"] if f[6] is not None}) > 3
    )  # exposures differ by currency/rate


def test_a_second_run_the_same_day_changes_nothing(portfolio):
    with freeze_time(DAY):
        services.facilities_update_dpd()
        before = outcome()
        assert services.facilities_update_dpd() == []
    assert outcome() == before


@pytest.mark.postgres
def test_the_same_statements_for_3_facilities_as_for_30(guaranteed, banker):
    disburse(guaranteed, banker, "k-count")

    def statements(day):
        ContentType.objects.clear_cache()  # each run reads its two content types
        with freeze_time(day), transaction.atomic(), CaptureQueriesContext(connection) as queries:
            defaulted = services.facilities_update_dpd()
            transaction.set_rollback(True)
        return len(queries.captured_queries), len(defaulted)

    copies_of(guaranteed, 2)
    few = [statements(day) for day in ("2026-02-10", "2026-06-15")]  # flips; flips and defaults
    copies_of(guaranteed, 27)
    many = [statements(day) for day in ("2026-02-10", "2026-06-15")]
    assert [count for count, _n in few] == [count for count, _n in many]
    assert [n for _count, n in few] == [0, 3] and [n for _count, n in many] == [0, 30]


def test_a_facility_repaid_meanwhile_is_left_alone(guaranteed, banker):
    """The moves are conditional on the state read: a row that left it (here: repaid in full by another
    transaction between the read and the write) is neither written nor audited."""
    disburse(guaranteed, banker, "k-race")
    copies_of(guaranteed, 1)
    first, second = Facility.objects.order_by("pk")
    Facility.objects.filter(pk=second.pk).update(status=FacilityStatus.REPAID)
    rows = [
        (pk, FacilityStatus.ACTIVE, [("delinquent", {"days_past_due": 5})], 5, "1-30")
        for pk in (first.pk, second.pk)
    ]
    recorded = []
    moves = move_many(
        model=Facility,
        table=TRANSITIONS,
        rows=rows,
        fields=("days_past_due", "dpd_bucket"),
        record_many=lambda moves: recorded.extend(moves),
    )
    assert [m[0] for m in moves] == [first.pk] and [m[0] for m in recorded] == [first.pk]
    second.refresh_from_db()
    assert (second.status, second.days_past_due) == (FacilityStatus.REPAID, 0)
