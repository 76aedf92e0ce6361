"""Report runs: recorded in the database first, then queued; generation is idempotent per scope and period."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.notifications import notify
from audit.services import audit_record
from core.errors import InvalidInput
from core.tasks import enqueue

from . import registry
from .models import Report, ReportRun, RunStatus

STUCK_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 5


def report_request(*, kind, scope, period_start, period_end, actor=None):
    """Record a run and queue it on commit. Returns the run (already done when the report exists)."""
    from .tasks import generate_report

    registry.get(kind)
    if period_end < period_start:
        raise InvalidInput("The period ends before it starts.", code="invalid_period")
    if period_end >= timezone.localdate():
        raise InvalidInput("Reports are made for periods that have ended.", code="period_not_over",
                           details={"period_end": ["must be before today"]})
    existing = Report.objects.filter(kind=kind, scope=scope, period_end=period_end).first()
    with transaction.atomic():
        run = ReportRun.objects.create(kind=kind, scope=scope, period_start=period_start, period_end=period_end,
                                       requested_by=actor, queued_at=timezone.now(),
                                       status=RunStatus.DONE if existing else RunStatus.QUEUED, report=existing)
        if existing is None:
            enqueue(generate_report, run.pk)
    return run


def report_generate(*, run_id):
    """Build the report of a run unless it exists; safe to run twice or concurrently (one report per period)."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().get(pk=run_id)
        if run.status == RunStatus.DONE:
            return run.report
        run.status, run.started_at, run.attempts = RunStatus.RUNNING, timezone.now(), run.attempts + 1
        run.save(update_fields=["status", "started_at", "attempts"])
    report = Report.objects.filter(kind=run.kind, scope=run.scope, period_end=run.period_end).first()
    created = False
    if report is None:
        kind = registry.get(run.kind)
        title, data = kind.builder(run.scope, run.period_start, run.period_end)
        try:
            with transaction.atomic():
                report = Report.objects.create(kind=run.kind, scope=run.scope, title=title, data=data,
                                               period_start=run.period_start, period_end=run.period_end)
                audit_record(actor=None, action="report.generated", target=report,
                             details={"kind": run.kind, "scope": run.scope, "period_end": run.period_end})
                created = True
        except IntegrityError:  # another worker finished the same period first
            report = Report.objects.get(kind=run.kind, scope=run.scope, period_end=run.period_end)
    with transaction.atomic():
        ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, finished_at=timezone.now(), report=report,
                                                   error="")
        if created:
            notify(users=list(registry.get(run.kind).audience()), subject=f"New report: {report.title}",
                   link=f"/reporting/{report.pk}/")
    return report


def report_run_failed(*, run_id, error):
    ReportRun.objects.filter(pk=run_id).exclude(status=RunStatus.DONE).update(
        status=RunStatus.FAILED if ReportRun.objects.get(pk=run_id).attempts >= MAX_ATTEMPTS else RunStatus.QUEUED,
        error=str(error)[:2000])


def report_runs_sweep(*, now=None):
    """Re-queue runs lost with a worker or the broker: queued or running for too long. Returns how many."""
    from .tasks import generate_report

    now = now or timezone.now()
    stuck = list(ReportRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING], attempts__lt=MAX_ATTEMPTS,
                                          queued_at__lt=now - STUCK_AFTER))
    for run in stuck:
        ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED, queued_at=now)
        enqueue(generate_report, run.pk)
    return len(stuck)


def reports_schedule(*, kind, frequency, today=None):
    """Request the last closed period's report for every scope of ``kind`` (the beat task calls this)."""
    from .periods import last_closed

    start, end = last_closed(frequency, today or timezone.localdate())
    return [report_request(kind=kind, scope=scope, period_start=start, period_end=end)
            for scope in registry.get(kind).scopes()]
