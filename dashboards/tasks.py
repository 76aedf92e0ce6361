from celery import shared_task


@shared_task(name="dashboards.refresh_facts")
def refresh_facts():
    """Beat, every quarter of an hour: the program dashboard's facts recomputed from the cases."""
    from .facts import refresh_facts as refresh

    return refresh().rows
