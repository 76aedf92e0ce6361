from celery import shared_task


@shared_task(name="facilities.update_dpd")
def update_days_past_due():
    from .services import facilities_update_dpd

    return len(facilities_update_dpd())
