from celery import shared_task


@shared_task(
    name="reporting.generate_report", bind=True, acks_late=True, max_retries=3, default_retry_delay=30
)
def generate_report(self, run_id):
    from .services import report_generate, report_run_failed

    try:
        report = report_generate(run_id=run_id)
    except Exception as exc:
        report_run_failed(run_id=run_id, error=exc)
        raise self.retry(exc=exc)
    return report.pk if report else None


@shared_task(name="reporting.sweep_report_runs")
def sweep_report_runs():
    from .services import report_runs_sweep

    return report_runs_sweep()


@shared_task(name="reporting.schedule_reports")
def schedule_reports(kind, frequency):
    from .services import reports_schedule

    return [run.pk for run in reports_schedule(kind=kind, frequency=frequency)]
