import time

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app as celery_app
from webhooks import services
from webhooks.models import Delivery, DeliveryStatus

from .conftest import disburse


@pytest.fixture
def real_queue():
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_through_redis_after_the_commit(guaranteed, banker, receiver, real_queue):
    endpoint = services.endpoint_create(actor=banker, url=receiver.url, event_types=["facility.disbursed"])
    receiver.secret = endpoint.secret
    with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        disburse(guaranteed, banker)
        deadline = time.monotonic() + 20
        while not receiver.accepted and time.monotonic() < deadline:
            time.sleep(0.1)
    assert [e["type"] for e in receiver.accepted] == ["facility.disbursed"]
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.response_status == 204
