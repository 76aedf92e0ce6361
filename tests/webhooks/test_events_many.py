"""Webhook events derived from many audit events at once (a nightly job's): the same events, payloads and
deliveries as deriving each alone, in a number of queries that does not grow with the events."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from audit.services import audit_record_system_many
from facilities.models import Facility
from tests.facilities.test_dpd_job import copies_of
from webhooks import services
from webhooks.models import Delivery, Endpoint, Event

from .conftest import disburse

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoints(banker, other_banker, administrator, monkeypatch):
    """The facilities' bank (delinquencies and defaults), another bank subscribed to everything (reads none of
    them), the program's agency (defaults only); nothing is sent: the nudges are not queued."""
    monkeypatch.setattr("webhooks.services._queue", lambda *args, **kwargs: None)
    made = {}
    for name, user, types in [
        ("bank", banker, ["facility.delinquent", "facility.defaulted"]),
        ("other bank", other_banker, ["facility.delinquent", "facility.defaulted", "facility.disbursed"]),
        ("agency", administrator, ["facility.defaulted"]),
    ]:
        made[name] = Endpoint.objects.create(
            organization=user.organization,
            url=f"https://{name.replace(' ', '-')}.example/hooks",
            event_types=types,
            secret="s" * 32,
            created_by=user,
        )
    return made


@pytest.fixture
def facilities(guaranteed, banker):
    """30 live facilities of the bank, in the agency's program."""
    disburse(guaranteed, banker, "k-many")
    copies_of(guaranteed, 29)
    return list(Facility.objects.order_by("pk"))


def _events(facilities):
    """Audit events of ``facilities`` turning delinquent, then defaulting, and one no endpoint subscribes to."""
    guaranteed, made = facilities[0], []
    for facility in facilities:
        made += [
            dict(
                action="facility.delinquent",
                target=facility,
                case=facility,
                old_state="active",
                new_state="delinquent",
            ),
            dict(
                action="facility.defaulted",
                target=facility,
                case=facility,
                old_state="delinquent",
                new_state="defaulted",
            ),
        ]
    made.append(dict(action="facility.created", target=guaranteed, case=guaranteed))  # no client hears it
    with transaction.atomic():  # the signal is sent on commit: not here (the test derives them itself)
        created = audit_record_system_many(events=made)
    return list(AuditEvent.objects.filter(pk__in=[e.pk for e in created]).select_related("target_type"))


def _outcome(endpoints):
    names = {endpoint.pk: name for name, endpoint in endpoints.items()}
    return {
        "events": sorted(
            (e.audit_event_id, e.type, e.subject_kind, e.subject_id, tuple(sorted(e.payload.items())))
            for e in Event.objects.all()
        ),
        "deliveries": sorted(
            (names[d.endpoint_id], d.event.audit_event_id, d.status, d.attempts)
            for d in Delivery.objects.select_related("event")
        ),
    }


def _payload_ids_are_their_events():
    return all(event.payload["id"] == event.pk for event in Event.objects.all())


def test_many_at_once_derive_what_each_alone_derives(facilities, endpoints):
    audit_events = _events(facilities[:4])
    with transaction.atomic():
        for audit_event in audit_events:
            services.event_record_from_audit(audit_event=audit_event)
        alone = _outcome(endpoints)
        assert _payload_ids_are_their_events()
        transaction.set_rollback(True)
    services.events_record_from_audits(audit_events=audit_events)
    together = _outcome(endpoints)
    assert _payload_ids_are_their_events()
    # remove the ids of the events (they differ between the two runs) from the payloads compared
    strip = lambda outcome: [(*e[:4], tuple(p for p in e[4] if p[0] != "id")) for e in outcome["events"]]  # noqa: E731
    assert strip(together) == strip(alone) and together["deliveries"] == alone["deliveries"]
    # 8 events (the creation is not one); the bank hears all 8, the agency the 4 defaults, the other bank none
    assert len(together["events"]) == 8
    hearers = [d[0] for d in together["deliveries"]]
    assert hearers.count("bank") == 8 and hearers.count("agency") == 4 and "other bank" not in hearers


def test_derived_once_when_offered_again_or_already_derived_one_by_one(facilities, endpoints):
    audit_events = _events(facilities[:3])
    services.event_record_from_audit(audit_event=audit_events[0])
    services.events_record_from_audits(audit_events=audit_events)
    services.events_record_from_audits(audit_events=audit_events)
    assert Event.objects.count() == 6
    assert Delivery.objects.count() == 6 + 3  # the bank's six, the agency's three defaults


def test_the_queries_do_not_grow_with_the_events(facilities, endpoints):
    counts = []
    for n in (3, 20):  # 60 deliveries at 20: one INSERT on SQLite too (at most 999 parameters: about 80 rows)
        audit_events = _events(facilities[:n])
        with CaptureQueriesContext(connection) as queries:
            services.events_record_from_audits(audit_events=audit_events)
        counts.append(len(queries))
        Delivery.objects.all().delete()
        Event.objects.all().delete()
    assert counts[0] == counts[1]
