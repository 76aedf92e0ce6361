from celery import shared_task
from django.db import transaction


@shared_task(name="core.ping")
def ping():
    """The health page's worker round-trip."""
    return "pong"


def enqueue(task, *args, **kwargs):
    """Queue ``task`` once the current transaction commits (at once outside one).

    A task that reads rows written by the caller must never run before they
    are committed, and must never run at all if the transaction rolls back.
    """
    transaction.on_commit(lambda: task.delay(*args, **kwargs))
