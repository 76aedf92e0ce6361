from celery import shared_task


@shared_task(name="valuations.monitor")
def monitor_valuations():
    from .services import valuations_monitor

    return len(valuations_monitor())
