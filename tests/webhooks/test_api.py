import pytest

from accounts.roles import Role
from tests.factories import make_token, make_user
from webhooks import services
from webhooks.models import Delivery, Endpoint

from .conftest import Receiver, disburse

pytestmark = pytest.mark.django_db


def as_user(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    return api_client


def test_a_lender_officer_registers_an_endpoint_and_sees_the_secret_once(api_client, banker):
    client = as_user(api_client, banker)
    created = client.post(
        "/api/v1/webhooks/endpoints/",
        {"url": "http://127.0.0.1:9/hook", "event_types": ["facility.defaulted", "claim.paid"]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["organization"] == banker.organization.name
    listed = client.get("/api/v1/webhooks/endpoints/").json()["results"]
    assert [e["id"] for e in listed] == [body["id"]] and "secret" not in listed[0]
    assert listed[0]["secret_hint"] == "…" + body["secret"][-4:]
    rotated = client.post(f"/api/v1/webhooks/endpoints/{body['id']}/rotate-secret/").json()
    assert rotated["secret"] != body["secret"]
    assert Endpoint.objects.get().secret == rotated["secret"]


def test_an_unknown_event_type_or_a_bad_url_answers_400_in_the_error_shape(api_client, banker, settings):
    client = as_user(api_client, banker)
    unknown = client.post(
        "/api/v1/webhooks/endpoints/", {"url": "http://127.0.0.1:9/", "event_types": ["nope"]}, format="json"
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "invalid"
    assert "event_types" in unknown.json()["details"]
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    private = client.post(
        "/api/v1/webhooks/endpoints/",
        {"url": "http://10.1.2.3/", "event_types": ["claim.paid"]},
        format="json",
    )
    assert private.status_code == 400 and private.json()["code"] == "invalid_url"
    assert Endpoint.objects.count() == 0


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.OFFICIAL, Role.CASE_OFFICER])
def test_roles_that_do_not_integrate_cannot_register_endpoints(api_client, role, agency):
    user = make_user(role, agency if role == Role.CASE_OFFICER else None)
    client = as_user(api_client, user)
    response = client.post(
        "/api/v1/webhooks/endpoints/",
        {"url": "http://127.0.0.1:9/", "event_types": ["claim.paid"]},
        format="json",
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert Endpoint.objects.count() == 0


def test_another_bank_gets_404_on_a_banks_endpoint_and_deliveries(
    api_client, guaranteed, banker, other_banker, receiver, django_capture_on_commit_callbacks
):
    endpoint = services.endpoint_create(actor=banker, url=receiver.url, event_types=["facility.disbursed"])
    receiver.secret = endpoint.secret
    with django_capture_on_commit_callbacks(execute=True):
        disburse(guaranteed, banker)
    delivery = Delivery.objects.get()
    client = as_user(api_client, other_banker)
    assert client.get(f"/api/v1/webhooks/endpoints/{endpoint.pk}/").status_code == 404
    assert (
        client.patch(
            f"/api/v1/webhooks/endpoints/{endpoint.pk}/", {"url": "http://127.0.0.1:9/x"}, format="json"
        ).status_code
        == 404
    )
    assert client.post(f"/api/v1/webhooks/endpoints/{endpoint.pk}/rotate-secret/").status_code == 404
    assert client.get(f"/api/v1/webhooks/deliveries/{delivery.pk}/").status_code == 404
    assert client.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/replay/").status_code == 404
    assert client.get("/api/v1/webhooks/deliveries/").json()["count"] == 0
    assert Delivery.objects.count() == 1 and Endpoint.objects.get().url == receiver.url


def test_the_bank_reads_its_delivery_log_and_replays_a_delivery(
    api_client, guaranteed, banker, django_capture_on_commit_callbacks
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
        client = as_user(api_client, banker)
        [row] = client.get("/api/v1/webhooks/deliveries/").json()["results"]
        assert row["status"] == "failed" and row["response_status"] == 500 and row["response_ms"] is not None
        detail = client.get(f"/api/v1/webhooks/deliveries/{row['id']}/").json()
        assert len(detail["attempt_log"]) == services.MAX_ATTEMPTS
        assert detail["payload"]["type"] == "facility.disbursed"
        receiver.fail_first = 0
        with django_capture_on_commit_callbacks(execute=True):
            replayed = client.post(f"/api/v1/webhooks/deliveries/{row['id']}/replay/")
        assert replayed.status_code == 202 and replayed.json()["replay_of"] == row["id"]
        assert Delivery.objects.get(pk=replayed.json()["id"]).status == "succeeded"
        assert len(receiver.accepted) == 1
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def test_a_deactivated_endpoint_receives_nothing(
    api_client, guaranteed, banker, receiver, django_capture_on_commit_callbacks
):
    client = as_user(api_client, banker)
    endpoint = services.endpoint_create(actor=banker, url=receiver.url, event_types=["facility.disbursed"])
    assert (
        client.patch(f"/api/v1/webhooks/endpoints/{endpoint.pk}/", {"active": False}, format="json").json()[
            "active"
        ]
        is False
    )
    with django_capture_on_commit_callbacks(execute=True):
        disburse(guaranteed, banker)
    assert receiver.received == [] and Delivery.objects.count() == 0
