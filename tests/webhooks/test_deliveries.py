import json
import urllib.error
import urllib.request
from datetime import date

import pytest

from audit.models import AuditEvent
from core.errors import InvalidInput, PermissionRefused
from facilities import services as facility_services
from webhooks import services, signing
from webhooks.events import ACTIONS
from webhooks.models import Delivery, DeliveryStatus, Event, EventType

from .conftest import Receiver, disburse

pytestmark = pytest.mark.django_db


def subscribe(actor, receiver, types=(EventType.FACILITY_DEFAULTED,)):
    endpoint = services.endpoint_create(actor=actor, url=receiver.url, event_types=list(types))
    receiver.secret = endpoint.secret
    return endpoint


def default(facility, banker, on_commit):
    with on_commit(execute=True):
        disburse(facility, banker)
        facility_services.facility_default(
            facility=facility, actor=banker, reason_code="D10", on=date(2026, 3, 1)
        )


def test_a_default_reaches_the_banks_receiver_signed_and_logged(
    guaranteed, banker, receiver, django_capture_on_commit_callbacks
):
    endpoint = subscribe(banker, receiver)
    default(guaranteed, banker, django_capture_on_commit_callbacks)
    assert [event["type"] for event in receiver.accepted] == ["facility.defaulted"]
    [payload] = receiver.accepted
    assert payload["object"] == {"kind": "facility", "id": guaranteed.pk}
    assert (payload["old_state"], payload["new_state"]) == ("active", "defaulted")
    assert "details" not in payload and "actor" not in payload  # thin events: no internal details
    [delivery] = Delivery.objects.filter(endpoint=endpoint)
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 1
    assert delivery.response_status == 204 and delivery.response_ms is not None
    assert delivery.attempt_log.get().response_status == 204


def test_a_tampered_or_wrongly_signed_delivery_is_rejected_by_the_receiver(
    guaranteed, banker, receiver, django_capture_on_commit_callbacks
):
    subscribe(banker, receiver)
    default(guaranteed, banker, django_capture_on_commit_callbacks)
    [(headers, body)] = receiver.received
    sent = {name: headers[name] for name in ("IPFin-Timestamp", "IPFin-Signature", "Content-Type")}
    tampered = body.replace(b'"defaulted"', b'"repaid"')
    assert tampered != body

    def post(data, extra=None):
        request = urllib.request.Request(
            receiver.url, data=data, headers={**sent, **(extra or {})}, method="POST"
        )
        try:
            return urllib.request.urlopen(request, timeout=5).status
        except urllib.error.HTTPError as exc:
            return exc.code

    assert post(tampered) == 400
    forged = signing.signed_headers(secret="whsec_not-the-banks-secret", body=tampered)
    assert post(tampered, forged) == 400
    assert post(body) == 204  # the genuine delivery, unchanged, still verifies
    assert len(receiver.rejected) == 2


def test_the_receivers_check_refuses_an_old_timestamp():
    body = b'{"type":"facility.defaulted"}'
    headers = signing.signed_headers(secret="s", body=body, now=1_000_000)
    kwargs = {
        "secret": "s",
        "timestamp": headers["IPFin-Timestamp"],
        "signature_header": headers["IPFin-Signature"],
    }
    assert signing.verify(body=body, now=1_000_100, **kwargs)
    assert not signing.verify(body=body, now=1_000_000 + 301, **kwargs)
    assert not signing.verify(body=body + b" ", now=1_000_100, **kwargs)


def test_a_second_bank_subscribed_to_everything_hears_nothing_of_the_first_banks_facility(
    guaranteed, banker, other_banker, receiver, django_capture_on_commit_callbacks
):
    spy = Receiver()
    spy.thread.start()
    try:
        subscribe(banker, receiver)
        subscribe(other_banker, spy, types=list(EventType.values))
        default(guaranteed, banker, django_capture_on_commit_callbacks)
    finally:
        spy.server.shutdown()
        spy.server.server_close()
    assert spy.received == []
    assert Delivery.objects.filter(endpoint__organization=other_banker.organization).count() == 0
    assert len(receiver.accepted) == 1


def test_the_agency_administrator_receives_the_events_of_its_programs(
    guaranteed, banker, administrator, receiver, django_capture_on_commit_callbacks
):
    subscribe(administrator, receiver, types=[EventType.FACILITY_DISBURSED, EventType.FACILITY_DEFAULTED])
    default(guaranteed, banker, django_capture_on_commit_callbacks)
    assert [e["type"] for e in receiver.accepted] == ["facility.disbursed", "facility.defaulted"]


def test_a_failing_receiver_is_retried_with_growing_delays_and_every_attempt_is_logged(
    guaranteed, banker, receiver, django_capture_on_commit_callbacks
):
    receiver.fail_first = 2
    subscribe(banker, receiver)
    default(guaranteed, banker, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 3
    assert [(a.number, a.response_status) for a in delivery.attempt_log.all()] == [
        (1, 500),
        (2, 500),
        (3, 204),
    ]
    assert [services.retry_delay(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert services.retry_delay(30) == services.RETRY_MAX_SECONDS


def test_a_delivery_that_never_succeeds_fails_after_the_last_attempt_and_can_be_replayed(
    guaranteed, banker, receiver, django_capture_on_commit_callbacks
):
    receiver.fail_first = services.MAX_ATTEMPTS
    subscribe(banker, receiver)
    default(guaranteed, banker, django_capture_on_commit_callbacks)
    failed = Delivery.objects.get()
    assert failed.status == DeliveryStatus.FAILED and failed.attempts == services.MAX_ATTEMPTS
    assert receiver.accepted == []
    with django_capture_on_commit_callbacks(execute=True):
        replay = services.delivery_replay(delivery=failed, actor=banker)
    replay.refresh_from_db()
    assert replay.status == DeliveryStatus.SUCCEEDED and replay.replay_of == failed
    assert [e["id"] for e in receiver.accepted] == [failed.event_id]
    assert AuditEvent.objects.filter(action="webhook.replayed").count() == 1


def test_another_bank_cannot_replay_or_change_a_banks_endpoint(
    guaranteed, banker, other_banker, receiver, django_capture_on_commit_callbacks
):
    endpoint = subscribe(banker, receiver)
    default(guaranteed, banker, django_capture_on_commit_callbacks)
    with pytest.raises(PermissionRefused):
        services.delivery_replay(delivery=Delivery.objects.get(), actor=other_banker)
    with pytest.raises(PermissionRefused):
        services.endpoint_update(endpoint=endpoint, actor=other_banker, url="http://127.0.0.1:1/steal")


def test_a_duplicated_message_sends_an_attempt_once(
    guaranteed, banker, receiver, django_capture_on_commit_callbacks
):
    subscribe(banker, receiver)
    default(guaranteed, banker, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert services.delivery_attempt(delivery_id=delivery.pk, attempt=1) is None
    assert len(receiver.received) == 1


def test_each_audit_event_becomes_one_event_even_when_derived_twice(
    guaranteed, banker, django_capture_on_commit_callbacks
):
    default(guaranteed, banker, django_capture_on_commit_callbacks)
    audit_event = AuditEvent.objects.get(action="facility.defaulted")
    first = Event.objects.get(audit_event=audit_event)
    assert services.event_record_from_audit(audit_event=audit_event) == first
    assert Event.objects.filter(type=EventType.FACILITY_DEFAULTED).count() == 1


def test_every_event_type_of_the_issue_has_an_audit_action():
    assert set(ACTIONS.values()) == set(EventType)


def test_in_production_an_endpoint_must_be_https_on_a_public_address(banker, settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    for url in [
        "http://hooks.bank.example/ipfin",
        "https://127.0.0.1/hooks",
        "https://10.0.0.5/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://user:pw@8.8.8.8/hooks",
        "ftp://8.8.8.8/",
    ]:
        with pytest.raises(InvalidInput) as error:
            services.endpoint_create(actor=banker, url=url, event_types=[EventType.CLAIM_PAID])
        assert error.value.code == "invalid_url", url
    endpoint = services.endpoint_create(actor=banker, url="https://8.8.8.8/hooks", event_types=["claim.paid"])
    assert endpoint.organization == banker.organization


def test_a_redirect_is_not_followed(guaranteed, banker, django_capture_on_commit_callbacks, monkeypatch):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    hits = []

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self):
            hits.append(self.path)
            self.send_response(307)
            self.send_header("Location", "/elsewhere")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        services.endpoint_create(
            actor=banker, url=f"http://127.0.0.1:{server.server_port}/in", event_types=["facility.defaulted"]
        )
        monkeypatch.setattr(services, "MAX_ATTEMPTS", 1)
        default(guaranteed, banker, django_capture_on_commit_callbacks)
    finally:
        server.shutdown()
        server.server_close()
    assert hits == ["/in"]
    assert Delivery.objects.get().response_status == 307


def test_the_payload_is_the_stored_event(guaranteed, banker, receiver, django_capture_on_commit_callbacks):
    subscribe(banker, receiver)
    default(guaranteed, banker, django_capture_on_commit_callbacks)
    [(headers, body)] = receiver.received
    event = Event.objects.get(type="facility.defaulted")
    assert json.loads(body) == event.payload and headers["IPFin-Event"] == "facility.defaulted"


def test_an_event_whose_signal_was_lost_is_derived_by_the_sweep_and_delivered(guaranteed, banker, receiver):
    from datetime import timedelta

    from django.utils import timezone

    subscribe(banker, receiver)
    disburse(guaranteed, banker)  # no on-commit callbacks run here: as if the process died after its commit
    facility_services.facility_default(
        facility=guaranteed, actor=banker, reason_code="D10", on=date(2026, 3, 1)
    )
    assert Event.objects.count() == 0
    assert services.events_catch_up() == 0  # the last minute is left to the signal
    later = timezone.now() + timedelta(minutes=2)
    assert services.events_catch_up(now=later) == 3
    assert sorted(Event.objects.values_list("type", flat=True)) == [
        "application.submitted",
        "facility.defaulted",
        "facility.disbursed",
    ]
    assert services.events_catch_up(now=later) == 0
    delivery = Delivery.objects.get()
    assert delivery.event.type == "facility.defaulted" and delivery.status == DeliveryStatus.PENDING
    assert services.deliveries_sweep(now=later + services.LOST_AFTER + timedelta(seconds=1)) == 1
