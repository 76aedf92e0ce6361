"""Inviting people with a role: who may invite whom, the link to choose a password, and staff enrolling an
authenticator at their first sign-in (the second factor also guards the project's own /accounts/ pages)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.invites import user_invite
from accounts.models import Membership, User
from accounts.roles import OrganizationKind, Role
from audit.models import AuditEvent
from core.errors import InvalidInput, PermissionRefused
from tests.factories import OrganizationFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(db):
    return OrganizationFactory(kind=OrganizationKind.LENDER, name="Partner Bank")


def test_an_invited_officer_chooses_a_password_and_must_set_up_an_authenticator_at_first_sign_in(
    client, administrator, agency, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership = user_invite(
            actor=administrator,
            email="New.Officer@Agency.example",
            organization=agency,
            role=Role.CASE_OFFICER,
        )
    user = membership.user
    assert user.email == "new.officer@agency.example" and not user.has_usable_password()
    assert AuditEvent.objects.get(action="accounts.user_invited").actor == administrator
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get(f"/{path}", follow=True)
    assert form_page.status_code == 200
    done = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else f"/{path}",
        {"password1": "a-long-new-passphrase-41", "password2": "a-long-new-passphrase-41"},
    )
    assert done.status_code == 302
    signed_in = client.post(
        reverse("account_login"), {"login": user.email, "password": "a-long-new-passphrase-41"}, follow=True
    )
    visited = [url for url, _status in signed_in.redirect_chain]
    assert visited[1].startswith(reverse("mfa_activate_totp"))  # nothing else opens before the authenticator
    # allauth asks for the password once more before an authenticator is added, then shows the set-up page
    assert visited[-1].startswith(reverse("account_reauthenticate"))
    setup = client.post(visited[-1], {"password": "a-long-new-passphrase-41"}, follow=True)
    assert setup.redirect_chain[-1][0].startswith(reverse("mfa_activate_totp")) and setup.status_code == 200
    assert client.get(reverse("home")).status_code == 302  # still no authenticator: still sent to set one up


def test_an_administrator_invites_a_bank_user_into_a_partner_bank(administrator, bank):
    membership = user_invite(
        actor=administrator, email="lender@bank.example", organization=bank, role="lender_officer"
    )
    assert membership.organization == bank and membership.role == Role.LENDER_OFFICER


def test_an_administrator_cannot_invite_into_another_agency(administrator, other_agency):
    with pytest.raises(PermissionRefused):
        user_invite(
            actor=administrator, email="mole@b.example", organization=other_agency, role=Role.ADMINISTRATOR
        )
    assert not User.objects.filter(email="mole@b.example").exists()


def test_a_role_of_another_kind_of_organisation_is_refused(administrator, bank):
    with pytest.raises(InvalidInput) as refused:
        user_invite(actor=administrator, email="x@bank.example", organization=bank, role=Role.APPROVER)
    assert "role" in refused.value.details
    assert not Membership.objects.filter(organization=bank).exists()


def test_the_members_page_invites_and_shows_errors_with_the_input_kept(
    client, administrator, agency, other_agency
):
    client.force_login(administrator)
    page = client.get(reverse("accounts:members"))
    assert page.status_code == 200
    choices = [org.pk for org in page.context["form"].fields["organization"].queryset]
    assert agency.pk in choices and other_agency.pk not in choices
    wrong = client.post(
        reverse("accounts:members"),
        {"email": "v@agency.example", "organization": agency.pk, "role": "valuer"},
    )
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert b"v@agency.example" in wrong.content
    forged = client.post(
        reverse("accounts:members"),
        {"email": "mole@b.example", "organization": other_agency.pk, "role": "administrator"},
    )
    assert forged.status_code == 200 and "organization" in forged.context["form"].errors
    ok = client.post(
        reverse("accounts:members"),
        {"email": "a2@agency.example", "organization": agency.pk, "role": "approver"},
    )
    assert ok.status_code == 302
    assert Membership.objects.filter(
        user__email="a2@agency.example", role="approver", organization=agency
    ).exists()


@pytest.mark.parametrize("role", [Role.CASE_OFFICER, Role.LENDER_OFFICER, Role.APPLICANT])
def test_the_members_page_does_not_exist_for_other_roles(client, role):
    client.force_login(make_user(role))
    assert client.get(reverse("accounts:members")).status_code == 404


def test_a_staff_user_without_an_authenticator_cannot_open_the_projects_account_pages(client, agency):
    admin_without_totp = make_user(Role.ADMINISTRATOR, agency, with_totp=False)
    client.force_login(admin_without_totp)
    for url in (reverse("accounts:members"), reverse("accounts:notifications"), reverse("admin:index")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_activate_totp"))
    assert (
        client.get(reverse("mfa_activate_totp")).status_code == 302
    )  # allowed through: allauth asks the password


def test_a_platform_operator_without_a_role_must_still_set_up_an_authenticator_before_the_admin(client):
    operator = User.objects.create_superuser(
        email="operator@platform.example", password="x-long-passphrase-9"
    )
    client.force_login(operator)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_activate_totp"))
