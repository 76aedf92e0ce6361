"""Early warning that escalates: a flagged sub-fund opens one follow-up per flag kind, its manager is told and works
it, the agency resolves or escalates it, a cleared flag shows as cleared, an overdue plan shows as overdue."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accounts.roles import OrganizationKind, Role
from audit.models import AuditEvent
from core.errors import IllegalTransition, PermissionRefused
from funds import early_warning
from funds import services as fund_services
from funds.models import FollowUp, FollowUpStatus
from reporting import services as report_services
from tests.factories import OrganizationFactory, make_user
from tests.funds.factories import fund_with_ledger, request_fund_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(django_capture_on_commit_callbacks):
    """The K-Content sub-fund of the factories (behind pace, no investment, a loss) and its first report."""
    mother, fund = fund_with_ledger()
    mother.agency = OrganizationFactory(kind=OrganizationKind.AGENCY, name="Agency K")
    mother.save(update_fields=["agency"])
    manager = make_user(Role.FUND_MANAGER, fund.manager)
    with django_capture_on_commit_callbacks(execute=True):
        run = request_fund_report()
    run.refresh_from_db()
    return fund, manager, run.report


def _report(period_start, period_end, on_commit):
    with on_commit(execute=True):
        run = report_services.report_request(
            kind="fund_utilisation", scope="all", period_start=period_start, period_end=period_end
        )
    run.refresh_from_db()
    return run.report


def test_a_flagged_sub_fund_opens_one_follow_up_per_flag_tells_its_manager_and_audits_fund_flagged(flagged):
    fund, manager, report = flagged
    flags = {f["code"].removeprefix("flag.") for f in report.data["flags"] if f.get("fund") == fund.pk}
    assert {"behind_pace", "no_investment", "loss"} <= flags
    follow_ups = FollowUp.objects.filter(fund=fund)
    assert sorted(follow_ups.values_list("flag", flat=True)) == sorted(flags)
    assert set(follow_ups.values_list("status", flat=True)) == {FollowUpStatus.OPEN}
    assert all(f.first_report_id == report.pk and f.flagged_on == report.period_end for f in follow_ups)
    events = AuditEvent.objects.filter(action="fund.flagged", target_id=str(fund.pk))
    assert sorted(events.values_list("new_state", flat=True)) == sorted(flags)
    notices = Notification.objects.filter(user=manager, link__startswith="/funds/follow-ups/")
    assert notices.count() == len(flags)


def test_a_later_report_does_not_duplicate_an_open_follow_up_and_a_cleared_flag_shows_cleared(
    flagged, django_capture_on_commit_callbacks
):
    fund, _manager, first = flagged
    count = FollowUp.objects.count()
    later = _report(date(2025, 7, 1), date(2025, 9, 30), django_capture_on_commit_callbacks)
    assert FollowUp.objects.count() == count  # flagged again: updated, not opened twice
    behind = FollowUp.objects.get(fund=fund, flag="behind_pace")
    assert behind.last_seen_on == later.period_end and behind.first_report_id == first.pk
    assert AuditEvent.objects.filter(action="fund.flagged").count() == count
    # a NAV that lifts TVPI above the threshold clears the loss flag in the next report
    fund_services.cash_flow_record(
        fund=fund, actor=None, kind="nav", date=date(2025, 10, 31), amount=Decimal("400"), cash=Decimal("30")
    )
    _report(date(2025, 10, 1), date(2025, 12, 31), django_capture_on_commit_callbacks)
    loss = FollowUp.objects.get(fund=fund, flag="loss")
    assert loss.cleared_on == date(2025, 12, 31) and loss.status == FollowUpStatus.OPEN
    assert FollowUp.objects.get(fund=fund, flag="behind_pace").cleared_on is None


def test_the_manager_acknowledges_and_plans_the_agency_escalates_and_resolves(flagged, administrator):
    fund, manager, _report_ = flagged
    agency_staff = make_user(Role.APPROVER, fund.parent.agency)
    follow_up = FollowUp.objects.get(fund=fund, flag="behind_pace")
    with pytest.raises(PermissionRefused):
        early_warning.follow_up_acknowledge(follow_up=follow_up, actor=agency_staff)
    early_warning.follow_up_acknowledge(follow_up=follow_up, actor=manager)
    with pytest.raises(IllegalTransition):
        early_warning.follow_up_acknowledge(follow_up=follow_up, actor=manager)
    due = timezone.localdate() + timedelta(days=30)
    early_warning.follow_up_plan(follow_up=follow_up, actor=manager, plan="Two deals by March", due=due)
    with pytest.raises(PermissionRefused):
        early_warning.follow_up_resolve(follow_up=follow_up, actor=manager, note="done")
    with pytest.raises(PermissionRefused):  # another agency's administrator
        early_warning.follow_up_escalate(follow_up=follow_up, actor=administrator, note="late")
    early_warning.follow_up_escalate(follow_up=follow_up, actor=agency_staff, note="no deal yet")
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.plan, follow_up.plan_due) == (
        FollowUpStatus.ESCALATED,
        "Two deals by March",
        due,
    )
    early_warning.follow_up_resolve(follow_up=follow_up, actor=make_user(Role.OFFICIAL), note="deals closed")
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.RESOLVED and follow_up.closed_by is not None
    actions = list(
        AuditEvent.objects.filter(action__startswith="fund.follow_up_")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "fund.follow_up_acknowledged",
        "fund.follow_up_planned",
        "fund.follow_up_escalated",
        "fund.follow_up_resolved",
    ]


def test_a_resolved_follow_up_lets_a_later_report_open_a_new_one(flagged, django_capture_on_commit_callbacks):
    fund, _manager, _first = flagged
    follow_up = FollowUp.objects.get(fund=fund, flag="behind_pace")
    early_warning.follow_up_resolve(follow_up=follow_up, actor=make_user(Role.OFFICIAL))
    _report(date(2025, 7, 1), date(2025, 9, 30), django_capture_on_commit_callbacks)
    assert FollowUp.objects.filter(fund=fund, flag="behind_pace").count() == 2
    assert FollowUp.objects.filter(fund=fund, flag="behind_pace").exclude(status="resolved").count() == 1


def test_an_overdue_plan_is_listed_first_and_marked_on_both_screens(flagged, client):
    fund, manager, _report_ = flagged
    follow_up = FollowUp.objects.get(fund=fund, flag="loss")
    early_warning.follow_up_plan(
        follow_up=follow_up, actor=manager, plan="Write-downs reviewed", due=timezone.localdate()
    )
    FollowUp.objects.filter(pk=follow_up.pk).update(plan_due=timezone.localdate() - timedelta(days=1))
    client.force_login(manager)
    page = client.get(reverse("funds:follow_ups")).content.decode()
    first_row = page.split("<tbody>")[1].split("</tr>")[0]
    assert "overdue" in first_row and f"/funds/follow-ups/{follow_up.pk}/" in first_row
    official = make_user(Role.OFFICIAL)
    client.force_login(official)
    detail = client.get(reverse("funds:follow_up", args=[follow_up.pk])).content.decode()
    assert "overdue" in detail and "Write-downs reviewed" in detail


def test_the_screens_refuse_other_roles_and_organisations_and_change_nothing(flagged, client):
    fund, manager, _report_ = flagged
    follow_up = FollowUp.objects.get(fund=fund, flag="behind_pace")
    other_manager = make_user(Role.FUND_MANAGER)
    acknowledge = reverse("funds:follow_up_action", args=[follow_up.pk, "acknowledge"])
    client.force_login(other_manager)
    assert client.get(reverse("funds:follow_up", args=[follow_up.pk])).status_code == 404
    assert client.post(acknowledge).status_code == 404
    client.force_login(make_user(Role.OFFICIAL))
    assert client.post(acknowledge).status_code == 302  # visible, not theirs to acknowledge
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.OPEN and follow_up.acknowledged_at is None
    client.force_login(manager)
    response = client.post(
        reverse("funds:follow_up_action", args=[follow_up.pk, "plan"]), {"plan": "Deals", "due": "2000-01-01"}
    )
    assert response.status_code == 400 and 'value="2000-01-01"' in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.OPEN and follow_up.plan == ""
    assert client.post(acknowledge).status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.ACKNOWLEDGED and follow_up.acknowledged_by == manager


def test_a_subscribed_endpoint_of_the_fund_managers_organisation_receives_fund_flagged(
    settings, django_capture_on_commit_callbacks
):
    from tests.webhooks.conftest import Receiver
    from webhooks import services as webhooks

    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    _mother, fund = fund_with_ledger()
    manager = make_user(Role.FUND_MANAGER, fund.manager)
    outsider = make_user(Role.FUND_MANAGER)
    receiver, other = Receiver(), Receiver()
    receiver.thread.start()
    other.thread.start()
    try:
        for actor, target in ((manager, receiver), (outsider, other)):
            target.secret = webhooks.endpoint_create(
                actor=actor, url=target.url, event_types=["fund.flagged"]
            ).secret
        with django_capture_on_commit_callbacks(execute=True):
            request_fund_report()
    finally:
        for target in (receiver, other):
            target.server.shutdown()
            target.server.server_close()
    flagged = FollowUp.objects.filter(fund=fund).count()
    assert flagged >= 3 and len(receiver.accepted) == flagged
    assert {e["type"] for e in receiver.accepted} == {"fund.flagged"}
    assert {e["object"]["id"] for e in receiver.accepted} == {fund.pk}
    assert other.received == []  # another manager's endpoint hears nothing of this fund
