from celery import shared_task


@shared_task(
    name="reporting.generate_report", bind=True, acks_late=True, max_retries=3, default_retry_delay=30
)
def generate_report(self, run_id):
    """Build a run's report. A domain error (no exchange rate for the period...) fails the run for good, with the
    reason for its requester; another error is retried until the run is out of attempts."""
    from .models import RunStatus
    from .services import report_generate, report_run_failed

    try:
        report = report_generate(run_id=run_id)
    except Exception as exc:
        run = report_run_failed(run_id=run_id, error=exc)
        if run.status == RunStatus.FAILED:
            return None
        raise self.retry(exc=exc) from exc
    return report.pk if report else None


@shared_task(name="reporting.sweep_report_runs")
def sweep_report_runs():
    from .services import report_runs_sweep

    return report_runs_sweep()


@shared_task(name="reporting.schedule_reports")
def schedule_reports(kind, frequency):
    from .services import reports_schedule

    return [run.pk for run in reports_schedule(kind=kind, frequency=frequency)]


@shared_task(name="reporting.render_report_files", acks_late=True)
def render_report_files(report_id):
    from .models import Report
    from .services import report_files_render

    report = Report.objects.filter(pk=report_id).first()
    return [f.pk for f in report_files_render(report=report)] if report else []


@shared_task(name="reporting.render_live_export", acks_late=True)
def render_live_export(digest, fmt, language):
    """Render one live snapshot's file (its figures waiting in the cache, see reporting.exports.queue_rendering)."""
    from .services import live_export_render

    return live_export_render(digest=digest, fmt=fmt, language=language)
