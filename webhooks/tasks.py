from celery import shared_task

from . import services


@shared_task(name="webhooks.deliver", ignore_result=True)
def deliver(delivery_id, attempt=1):
    """One attempt of one delivery; the next attempt is queued with exponential backoff when this one failed."""
    delay = services.delivery_attempt(delivery_id=delivery_id, attempt=attempt)
    if delay is not None:
        deliver.apply_async((delivery_id, attempt + 1), countdown=delay)


@shared_task(name="webhooks.sweep", ignore_result=True)
def sweep():
    """Every minute: derive missed events and re-queue deliveries whose message was lost."""
    services.deliveries_sweep()
