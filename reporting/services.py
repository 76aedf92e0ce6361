"""Report runs: recorded in the database first, then queued; generation is idempotent per scope and period."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _lazy

from accounts.notifications import later, notify
from audit.services import audit_record
from core.errors import InvalidInput
from core.tasks import enqueue

from . import registry
from .models import Report, ReportFile, ReportRun, RunStatus

if TYPE_CHECKING:
    from datetime import date, datetime

    from accounts.models import User

# A queued run whose message was lost (Redis restarted, a publish failed) is re-queued after QUEUE_LOST_AFTER; a
# running one only after STUCK_AFTER, since a report may take minutes. With the sweeper every 60 s (funds migration
# 0003), a run lost with the queue is re-queued at most 45 + 60 s after Redis is back: done within two minutes.
QUEUE_LOST_AFTER = timedelta(seconds=45)
STUCK_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 5
FILE_FORMATS = ("pdf", "xlsx", "csv")  # every download reads one of these files, rendered here in a worker
# "New report: <title>", in each reader's language: one message per title code (reporting.labels), same placeholders
NEW_REPORT = {
    "title.fund_utilisation.all": _lazy("New report: Fund utilisation — all funds — %(period_end)s"),
    "title.fund_utilisation.fund": _lazy("New report: Fund utilisation — %(fund)s — %(period_end)s"),
    "title.program_dashboard.all": _lazy(
        "New report: Program dashboard — all programs — %(start)s to %(end)s"
    ),
    "title.program_dashboard": _lazy("New report: Program dashboard — %(scope)s — %(start)s to %(end)s"),
}


def report_request(
    *, kind: str, scope: str, period_start: date, period_end: date, actor: User | None = None
) -> ReportRun:
    """Record a run and queue it on commit. Returns the run (already done when the report exists)."""
    from .tasks import generate_report

    registry.get(kind)
    if period_end < period_start:
        raise InvalidInput("The period ends before it starts.", code="invalid_period")
    if period_end >= timezone.localdate():
        raise InvalidInput(
            "Reports are made for periods that have ended.",
            code="period_not_over",
            details={"period_end": ["must be before today"]},
        )
    existing = Report.objects.filter(
        kind=kind, scope=scope, period_start=period_start, period_end=period_end
    ).first()
    with transaction.atomic():
        run = ReportRun.objects.create(
            kind=kind,
            scope=scope,
            period_start=period_start,
            period_end=period_end,
            requested_by=actor,
            queued_at=timezone.now(),
            status=RunStatus.DONE if existing else RunStatus.QUEUED,
            report=existing,
        )
        if existing is None:
            enqueue(generate_report, run.pk)
    return run


def _claim_run(run_id):
    """Lock the run and mark it running. Returns (run, None) to build it, or (None, result) when there is nothing
    to do: the run is done (its report) or another worker builds it right now (None)."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().get(pk=run_id)
        if run.status == RunStatus.DONE:
            return None, run.report
        if (
            run.status == RunStatus.RUNNING
            and run.started_at
            and run.started_at > timezone.now() - STUCK_AFTER
        ):
            return (
                None,
                None,
            )  # a duplicate message while another worker builds it: that worker finishes the run
        run.status, run.started_at, run.attempts = RunStatus.RUNNING, timezone.now(), run.attempts + 1
        run.save(update_fields=["status", "started_at", "attempts"])
    return run, None


def _build_report(run, identity):
    """The run's report, built and stored unless it exists. Returns (report, created)."""
    report = Report.objects.filter(**identity).first()
    if report is not None:
        return report, False
    kind = registry.get(run.kind)
    title, data = kind.builder(run.scope, run.period_start, run.period_end)
    try:
        with transaction.atomic():
            report = Report.objects.create(title=title, data=data, **identity)
            audit_record(
                actor=None,
                action="report.generated",
                target=report,
                details={"kind": run.kind, "scope": run.scope, "period_end": run.period_end},
            )
            if kind.on_generated is not None:  # with the report or not at all: a retry builds both again
                kind.on_generated(report)
    except IntegrityError:  # another worker finished the same period first
        return Report.objects.get(**identity), False
    return report, True


def new_report_subject(report):
    """The notice's subject, put into words in each reader's language (the title's code and parameters); a report
    whose title is not a known code keeps its title as it is."""
    title = (report.data or {}).get("title")
    if isinstance(title, dict) and title.get("code") in NEW_REPORT:
        return later(NEW_REPORT[title["code"]], **(title.get("params") or {}))
    return later(_lazy("New report: %(title)s"), title=report.title)


def _after_new_report(run, report):
    """What follows a new report: its files rendered in a worker, its audience told."""
    kind = registry.get(run.kind)
    if getattr(settings, "REPORT_FILES_RENDER", True):
        from .tasks import render_report_files

        enqueue(render_report_files, report.pk)  # in a worker, once: a download then reads a file
    notify(
        users=list(kind.audience()),
        subject=new_report_subject(report),
        link=reverse("reporting:detail", args=[report.pk]),
    )


def report_generate(*, run_id: int) -> Report | None:
    """Build the report of a run unless it exists; safe to run twice or concurrently (one report per period).

    Returns the report, or None when another worker is building this run right now."""
    run, result = _claim_run(run_id)
    if run is None:
        return result
    identity = {
        "kind": run.kind,
        "scope": run.scope,
        "period_start": run.period_start,
        "period_end": run.period_end,
    }
    report, created = _build_report(run, identity)
    with transaction.atomic():
        ReportRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE, finished_at=timezone.now(), report=report, error=""
        )
        if created:
            _after_new_report(run, report)
    return report


def report_files_render(*, report: Report) -> list:
    """Render the report's PDF and XLSX in every language once, here in the worker, and store them (a download
    reads the file). Safe to run twice: a file that exists is kept."""
    from . import exports

    stored = []
    for language, _name in settings.LANGUAGES:
        for fmt in FILE_FORMATS:
            if ReportFile.objects.filter(report=report, fmt=fmt, language=language).exists():
                continue
            with translation.override(language):
                content = exports.render_bytes(report, fmt)
            try:
                with transaction.atomic():
                    stored.append(
                        ReportFile.objects.create(
                            report=report,
                            fmt=fmt,
                            language=language,
                            file=ContentFile(content, name=f"report-{report.pk}-{language}.{fmt}"),
                        )
                    )
            except IntegrityError:  # another worker stored the same file first
                pass
    return stored


def live_export_render(*, digest: str, fmt: str, language: str) -> str | None:
    """Render and store one live snapshot's file (a dashboard or the portfolio, as its reader saw it), in a worker.
    Returns the stored name, or None when its figures are no longer in the cache (the reader asks again)."""
    from django.core.cache import cache
    from django.core.files.storage import default_storage

    from . import exports

    snapshot = cache.get(f"live-export:{digest}")
    name = exports.live_file_name(digest, fmt)
    if snapshot is None or default_storage.exists(name):
        return name if default_storage.exists(name) else None
    with translation.override(language):
        content = exports.render_bytes(snapshot, fmt)
    return default_storage.save(name, ContentFile(content))


def _failure_words(error, run):
    """Why a run failed, in words for its requester: a domain error's message, never a traceback."""
    from core.errors import DomainError

    if isinstance(error, DomainError):
        return error.message
    return (
        f"The report could not be made because of an unexpected error ({type(error).__name__}); "
        f"attempt {run.attempts} of {MAX_ATTEMPTS}. The administrators can see the details in the worker's log."
    )


def report_run_failed(*, run_id: int, error: str) -> ReportRun:
    """Record why a run failed. A domain error (a period with no exchange rate, a scope that does not exist) fails
    the run for good: trying again cannot help, so it is not retried. Another error puts the run back in the queue
    until MAX_ATTEMPTS. A run that fails for good tells its requester why. Returns the run."""
    from core.errors import DomainError

    with transaction.atomic():
        run = ReportRun.objects.select_for_update().get(pk=run_id)
        if run.status == RunStatus.DONE:
            return run
        final = isinstance(error, DomainError) or run.attempts >= MAX_ATTEMPTS
        run.status = RunStatus.FAILED if final else RunStatus.QUEUED
        run.error = _failure_words(error, run)[:2000]
        run.finished_at = timezone.now() if final else None
        run.save(update_fields=["status", "error", "finished_at"])
        audit_record(
            actor=None,
            action="report.failed" if final else "report.retried",
            target=run,
            details={"kind": run.kind, "scope": run.scope, "period_end": run.period_end, "error": run.error},
        )
        if final and run.requested_by_id:
            notify(
                users=[run.requested_by],
                subject=later(
                    _lazy("Report run #%(run)s failed: %(error)s"), run=run.pk, error=run.error[:150]
                ),
                body=run.error,
                link=reverse("reporting:run", args=[run.pk]),
            )
    return run


def report_runs_sweep(*, now: datetime | None = None) -> int:
    """Re-queue runs lost with the broker (queued for QUEUE_LOST_AFTER) or with a worker (running for STUCK_AFTER).

    Generation is idempotent, so re-queueing a run whose message is merely slow costs a duplicate, never a second
    report. Returns how many runs were re-queued.
    """
    from .tasks import generate_report

    now = now or timezone.now()
    lost = ReportRun.objects.filter(
        Q(status=RunStatus.QUEUED, queued_at__lt=now - QUEUE_LOST_AFTER)
        | Q(status=RunStatus.RUNNING, started_at__lt=now - STUCK_AFTER),
        attempts__lt=MAX_ATTEMPTS,
    )
    # runs out of attempts whose last worker died would stay "running" for ever: they are failed, visibly
    ReportRun.objects.filter(
        status=RunStatus.RUNNING, started_at__lt=now - STUCK_AFTER, attempts__gte=MAX_ATTEMPTS
    ).update(status=RunStatus.FAILED, error="the worker was lost on the last attempt")
    requeued = 0
    for run in lost:
        # only if unchanged since read: a run that finished meanwhile stays done
        if ReportRun.objects.filter(pk=run.pk, status=run.status).update(
            status=RunStatus.QUEUED, queued_at=now
        ):
            enqueue(generate_report, run.pk)
            requeued += 1
    return requeued


def reports_schedule(*, kind: str, frequency: str, today: date | None = None) -> list[ReportRun]:
    """Request the last closed period's report for every scope of ``kind`` (the beat task calls this)."""
    from .periods import last_closed

    start, end = last_closed(frequency, today or timezone.localdate())
    return [
        report_request(kind=kind, scope=scope, period_start=start, period_end=end)
        for scope in registry.get(kind).scopes()
    ]
