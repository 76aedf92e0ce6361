"""Colleagues are invited and accept; nothing about the invitee changes before, and a person acts for one company."""

import pytest
from django.urls import reverse

from accounts.models import Membership, Notification
from applications import invitations
from applications.models import CompanyInvitation, IPAsset
from applications.selectors import company_for
from audit.models import AuditEvent
from core.errors import Conflict, PermissionRefused
from tests.factories import UserFactory, company_for_user

pytestmark = pytest.mark.django_db


def _memberships(user):
    return sorted(Membership.objects.filter(user=user).values_list("organization_id", "role"))


def test_inviting_another_companys_user_changes_nothing_about_them_until_they_accept(
    client, applicant, outsider_applicant
):
    mine, theirs = company_for_user(applicant), company_for_user(outsider_applicant)
    before = _memberships(outsider_applicant)
    client.force_login(applicant)
    assert (
        client.post(reverse("applications:colleagues"), {"email": outsider_applicant.email}).status_code
        == 302
    )
    assert _memberships(outsider_applicant) == before
    client.force_login(outsider_applicant)
    # their company stays theirs, and what they register lands in it
    assert company_for(user=outsider_applicant) == theirs
    client.post(
        reverse("applications:asset_new"),
        {
            "ip_type": "patent",
            "jurisdiction": "KR",
            "registry_number": "10-2022-0000001",
            "title": "Theirs",
            "filing_date": "2020-01-01",
            "expiry_date": "2040-01-01",
            "status": "registered",
            "owner_name": "B",
        },
    )
    assert IPAsset.objects.get(title="Theirs").company == theirs and not mine.ip_assets.filter(title="Theirs")


def test_accepting_while_acting_for_another_company_needs_the_explicit_choice_to_leave_it(
    applicant, outsider_applicant
):
    mine, theirs = company_for_user(applicant), company_for_user(outsider_applicant)
    UserFactory()  # someone else
    Membership.objects.create(user=UserFactory(), organization=theirs.organization, role="applicant")
    invitation = invitations.company_invite(company=mine, actor=applicant, email=outsider_applicant.email)
    with pytest.raises(Conflict):
        invitations.invitation_accept(invitation=invitation, actor=outsider_applicant)
    assert company_for(user=outsider_applicant) == theirs
    invitations.invitation_accept(invitation=invitation, actor=outsider_applicant, leave_current=True)
    outsider_applicant = type(outsider_applicant).objects.get(pk=outsider_applicant.pk)
    assert _memberships(outsider_applicant) == [(mine.organization_id, "applicant")]
    assert {"company.invitation_sent", "company.invitation_accepted", "company.member_left"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )


def test_the_last_person_of_a_company_cannot_leave_it_by_accepting(applicant, outsider_applicant):
    invitation = invitations.company_invite(
        company=company_for_user(applicant), actor=applicant, email=outsider_applicant.email
    )
    with pytest.raises(Conflict):
        invitations.invitation_accept(invitation=invitation, actor=outsider_applicant, leave_current=True)


def test_a_newcomer_accepts_on_the_invitations_page_and_can_decline_instead(client, applicant):
    mine = company_for_user(applicant)
    newcomer, other = UserFactory(email="cfo@a.example"), UserFactory(email="cto@a.example")
    first = invitations.company_invite(company=mine, actor=applicant, email="CFO@a.example")
    second = invitations.company_invite(company=mine, actor=applicant, email="cto@a.example")
    assert Notification.objects.filter(user=newcomer).exists()
    client.force_login(newcomer)
    page = client.get(reverse("applications:invitations")).content.decode()
    assert mine.legal_name in page and f"/invitations/{second.pk}/" not in page
    # someone else's invitation answers 404 to anyone but its addressee
    assert client.post(reverse("applications:invitation_accept", args=[second.pk])).status_code == 404
    assert client.post(reverse("applications:invitation_accept", args=[first.pk])).status_code == 302
    assert company_for(user=type(newcomer).objects.get(pk=newcomer.pk)) == mine
    client.force_login(other)
    assert client.post(reverse("applications:invitation_decline", args=[second.pk])).status_code == 302
    second.refresh_from_db()
    assert second.status == "declined" and not Membership.objects.filter(user=other).exists()


def test_the_inviter_learns_nothing_about_who_has_an_account(client, applicant):
    company_for_user(applicant)
    UserFactory(email="exists@a.example")
    client.force_login(applicant)
    answers = []
    for email in ("exists@a.example", "nobody@a.example"):
        response = client.post(reverse("applications:colleagues"), {"email": email}, follow=True)
        assert response.status_code == 200
        answers.append([str(m).replace(email, "EMAIL") for m in response.context["messages"]])
    assert answers[0] == answers[1] == ["EMAIL is invited; they act for the company once they accept."]


def test_staff_and_partners_do_not_join_companies_and_others_cannot_invite_for_it(
    applicant, lender, outsider_applicant, officer
):
    mine = company_for_user(applicant)
    invitation = invitations.company_invite(company=mine, actor=applicant, email=lender.email)
    with pytest.raises(PermissionRefused):
        invitations.invitation_accept(invitation=invitation, actor=lender)
    with pytest.raises(PermissionRefused):
        invitations.company_invite(company=mine, actor=outsider_applicant, email="x@a.example")
    with pytest.raises(PermissionRefused):
        invitations.invitation_accept(invitation=invitation, actor=officer)  # addressed to someone else
    assert not Membership.objects.filter(user=lender, organization=mine.organization).exists()
    with pytest.raises(Conflict):
        invitations.company_invite(company=mine, actor=applicant, email=lender.email)  # invited already
    assert CompanyInvitation.objects.filter(status="pending").count() == 1
