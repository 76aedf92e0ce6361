import pytest
from django.db import DatabaseError, connection, transaction
from django.template.loader import render_to_string

from audit.checks import audit_log_role_check
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
            action="company.updated",
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
    event = audit_record(actor=officer, action="company.updated", target=company)
    _refused("UPDATE audit_auditevent SET action = 'forged' WHERE id = %s", [event.pk])
    _refused("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(details={"forged": True})
    assert AuditEvent.objects.get(pk=event.pk).details == {}


def test_the_timeline_shows_a_cases_events_and_hides_internal_ones_from_applicants(
    officer, company, other_company
):
    audit_record(actor=officer, action="screening.checklist_updated", target=company, applicant_visible=True)
    audit_record(actor=officer, action="case.internal_added", target=company)
    audit_record(
        actor=officer, action="screening.checklist_updated", target=other_company, applicant_visible=True
    )
    assert [e.action for e in case_timeline(case=company)] == [
        "screening.checklist_updated",
        "case.internal_added",
    ]
    assert [e.action for e in case_timeline(case=company, applicant_view=True)] == [
        "screening.checklist_updated"
    ]
    html = render_to_string("_partials/timeline.html", {"events": case_timeline(case=company)})
    assert "Internal note added" in html and officer.email in html


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite triggers (PostgreSQL has its own, above)"
)
def test_on_sqlite_update_is_refused_and_delete_too_unless_the_flush_setting_allows_it(
    officer, company, settings
):
    event = audit_record(actor=officer, action="company.updated", target=company)
    _refused("UPDATE audit_auditevent SET action = 'forged' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(details={"forged": True})
    settings.AUDIT_SQLITE_ALLOW_DELETE = False
    _refused("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "company.updated"
    settings.AUDIT_SQLITE_ALLOW_DELETE = True  # what the test database's flush relies on
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert not AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_deploy_check_stays_silent_unless_asked_to_query_a_database():
    assert audit_log_role_check(databases=None) == []


@pytest.mark.postgres
def test_on_postgresql_the_deploy_check_warns_a_superuser_owner_role(db):
    # The test database is created by the connecting role (postgres, a superuser): both warnings.
    ids = {warning.id for warning in audit_log_role_check(databases=["default"])}
    assert ids == {"audit.W001", "audit.W002"}


@pytest.mark.postgres
def test_on_postgresql_the_deploy_check_is_silent_for_a_role_with_select_and_insert_only(db):
    role = "ipfin_check_app_role"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {role}")
        cursor.execute(f"CREATE ROLE {role} NOLOGIN NOSUPERUSER")
        cursor.execute(f"GRANT SELECT, INSERT ON audit_auditevent TO {role}")
        cursor.execute(f"SET ROLE {role}")
        try:
            assert audit_log_role_check(databases=["default"]) == []
            with pytest.raises(DatabaseError), transaction.atomic():
                cursor.execute("TRUNCATE audit_auditevent")
        finally:
            cursor.execute("RESET ROLE")
            cursor.execute(f"REVOKE ALL ON audit_auditevent FROM {role}")
            cursor.execute(f"DROP ROLE {role}")


@pytest.mark.postgres
def test_a_plain_deploy_check_does_not_run_the_database_check(capsys):
    from django.core.management import call_command

    # What CI runs (as a superuser against its scratch database): the database-tagged check is not among them.
    call_command("check", deploy=True, tags=["database"])
    captured = capsys.readouterr()
    assert "audit.W00" not in captured.out + captured.err
