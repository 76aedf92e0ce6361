import pytest

from webhooks import services
from webhooks.models import Delivery, Endpoint

from .conftest import Receiver, disburse

pytestmark = pytest.mark.django_db


def test_a_bank_registers_an_endpoint_on_the_screen_and_sees_its_secret_once(client, banker):
    client.force_login(banker)
    assert "Webhooks" in client.get("/").content.decode()
    response = client.post(
        "/webhooks/", {"url": "http://127.0.0.1:9/hook", "event_types": ["facility.defaulted", "claim.paid"]}
    )
    endpoint = Endpoint.objects.get()
    assert response.status_code == 200 and endpoint.secret in response.content.decode()
    assert endpoint.secret not in client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    rotated = client.post(f"/webhooks/{endpoint.pk}/rotate-secret/")
    endpoint.refresh_from_db()
    assert endpoint.secret in rotated.content.decode()


def test_a_refused_url_keeps_what_was_typed_and_says_why(client, banker, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    client.force_login(banker)
    response = client.post("/webhooks/", {"url": "http://10.0.0.7/in", "event_types": ["claim.paid"]})
    page = response.content.decode()
    assert response.status_code == 200 and "http://10.0.0.7/in" in page
    assert "private network" in page and Endpoint.objects.count() == 0


def test_the_bank_edits_deactivates_and_replays_from_the_screen(
    client, guaranteed, banker, django_capture_on_commit_callbacks
):
    receiver = Receiver(fail_first=100)
    receiver.thread.start()
    try:
        endpoint = services.endpoint_create(
            actor=banker, url=receiver.url, event_types=["facility.disbursed"]
        )
        receiver.secret = endpoint.secret
        with django_capture_on_commit_callbacks(execute=True):
            disburse(guaranteed, banker)
        client.force_login(banker)
        page = client.get(f"/webhooks/{endpoint.pk}/").content.decode()
        assert "facility.disbursed" in page and "500" in page
        receiver.fail_first = 0
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/webhooks/deliveries/{Delivery.objects.get().pk}/replay/")
        assert Delivery.objects.filter(status="succeeded").count() == 1
        client.post(f"/webhooks/{endpoint.pk}/", {"url": receiver.url, "event_types": ["claim.paid"]})
        endpoint.refresh_from_db()
        assert endpoint.event_types == ["claim.paid"] and endpoint.active is False
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def test_other_organisations_and_other_roles_get_404(client, banker, other_banker, applicant, official):
    endpoint = services.endpoint_create(actor=banker, url="http://127.0.0.1:9/", event_types=["claim.paid"])
    client.force_login(other_banker)
    for url in (f"/webhooks/{endpoint.pk}/", f"/webhooks/{endpoint.pk}/rotate-secret/"):
        assert (
            client.post(url, {"url": "http://127.0.0.1:9/x", "event_types": ["claim.paid"]}).status_code
            == 404
        )
    assert client.get("/webhooks/").content.decode().count("127.0.0.1:9") == 0
    for user in (applicant, official):
        client.force_login(user)
        assert client.get("/webhooks/").status_code in (302, 404)
    endpoint.refresh_from_db()
    assert endpoint.url == "http://127.0.0.1:9/"
