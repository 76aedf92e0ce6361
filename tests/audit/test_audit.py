import pytest
from django.db import DatabaseError, connection, transaction
from django.template.loader import render_to_string

from audit.models import AuditEvent
from audit.selectors import case_timeline
from audit.services import audit_record
from core.middleware import current_ip

pytestmark = pytest.mark.django_db


def test_an_event_records_who_what_on_which_row_and_from_where(officer, company):
    token = current_ip.set("192.0.2.10")
    try:
        event = audit_record(
            actor=officer,
            action="company.checked",
            target=company,
            old_state="new",
            new_state="checked",
            details={"comment": "looks fine", "amount": __import__("decimal").Decimal("1.50")},
        )
    finally:
        current_ip.reset(token)
    event.refresh_from_db()
    assert event.actor == officer and event.actor_label == officer.email
    assert event.organization == officer.organization
    assert event.target_id == str(company.pk) and event.case_id == str(company.pk)
    assert (event.old_state, event.new_state) == ("new", "checked")
    assert event.details == {"comment": "looks fine", "amount": "1.50"}
    assert event.ip_address == "192.0.2.10"
    assert event.occurred_at.tzinfo is not None


def test_a_system_event_has_no_actor(company):
    event = audit_record(actor=None, action="report.generated", target=company)
    assert event.actor is None and event.actor_label == "system"


def _refused(statement, params):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.postgres
def test_on_postgresql_update_and_delete_are_refused_by_the_trigger(officer, company):
    assert connection.vendor == "postgresql"
    event = audit_record(actor=officer, action="x.done", target=company)
    _refused("UPDATE audit_auditevent SET action = 'forged' WHERE id = %s", [event.pk])
    _refused("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(details={"forged": True})
    assert AuditEvent.objects.get(pk=event.pk).details == {}


def test_the_timeline_shows_a_cases_events_and_hides_internal_ones_from_applicants(
    officer, company, other_company
):
    audit_record(actor=officer, action="case.screened", target=company, applicant_visible=True)
    audit_record(actor=officer, action="case.internal_note", target=company)
    audit_record(actor=officer, action="case.screened", target=other_company, applicant_visible=True)
    assert [e.action for e in case_timeline(case=company)] == ["case.screened", "case.internal_note"]
    assert [e.action for e in case_timeline(case=company, applicant_view=True)] == ["case.screened"]
    html = render_to_string("_partials/timeline.html", {"events": case_timeline(case=company)})
    assert "case.internal_note" in html and officer.email in html
