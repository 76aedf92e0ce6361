"""API tokens: hashed, expiring, listed with their last use, revocable, dead after a password change; organisation
tokens act for their organisation only and are shown once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from freezegun import freeze_time

from accounts.models import ApiToken
from accounts.roles import Role
from accounts.tokens import api_token_create, api_token_create_for_organization, api_token_revoke
from audit.models import AuditEvent
from core.errors import NotFound, PermissionRefused
from tests.factories import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db


def call_me(api_client, token, **extra):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api_client.get("/api/v1/me/", **extra)


def refused(response):
    """A bad token: 403 (the session authentication comes first, so DRF answers 403 rather than 401)."""
    return response.status_code == 403 and response.json()["code"] == "authentication_failed"


def test_only_a_digest_is_stored_and_the_token_works(api_client, lender):
    row, token = api_token_create(actor=lender, name="script")
    assert token.startswith("ipfin_") and len(token) == 6 + 64
    stored = ApiToken.objects.get()
    assert token not in (stored.digest, stored.token_key) and len(stored.digest) == 128
    assert token.startswith(stored.token_key)
    assert call_me(api_client, token).json()["email"] == lender.email
    assert AuditEvent.objects.filter(action="api_token.created", target_id=str(lender.pk)).exists()


def test_a_wrong_or_made_up_token_is_refused(api_client, lender):
    _, token = api_token_create(actor=lender, name="script")
    assert refused(call_me(api_client, token[:-1] + ("0" if token[-1] != "0" else "1")))
    assert refused(call_me(api_client, "ipfin_" + "a" * 64))


def test_a_token_expires_after_the_configured_days(api_client, lender, settings):
    settings.API_TOKEN_TTL_DAYS = 7
    with freeze_time("2026-03-02 09:00:00") as clock:
        row, token = api_token_create(actor=lender, name="script")
        assert row.expiry.date().isoformat() == "2026-03-09"
        clock.tick(timedelta(days=7) - timedelta(minutes=1))
        assert call_me(api_client, token).status_code == 200
        clock.tick(timedelta(minutes=2))
        assert refused(call_me(api_client, token))
    assert not ApiToken.objects.exists()  # knox deletes it


def test_the_last_use_is_recorded_at_most_once_a_minute(api_client, lender, django_assert_num_queries):
    with freeze_time("2026-03-02 09:00:00") as clock:
        _, token = api_token_create(actor=lender, name="script")
        call_me(api_client, token, REMOTE_ADDR="192.0.2.7")
        row = ApiToken.objects.get()
        assert (
            row.last_used_at.isoformat().startswith("2026-03-02T09:00") and row.last_used_from == "192.0.2.7"
        )
        clock.tick(30)
        call_me(api_client, token, REMOTE_ADDR="192.0.2.8")
        assert ApiToken.objects.get().last_used_from == "192.0.2.7"
        clock.tick(60)
        call_me(api_client, token, REMOTE_ADDR="192.0.2.8")
        assert ApiToken.objects.get().last_used_from == "192.0.2.8"


def test_a_password_change_kills_the_users_tokens_but_a_hash_upgrade_does_not(api_client, lender):
    _, token = api_token_create(actor=lender, name="script")
    lender.check_password(TEST_PASSWORD)  # may rehash: not a change
    lender.save()
    assert call_me(api_client, token).status_code == 200
    lender.set_password("another-long-password")
    lender.save()
    assert refused(call_me(api_client, token))
    assert AuditEvent.objects.filter(action="api_token.revoked_all", target_id=str(lender.pk)).exists()


def test_a_password_change_through_the_site_kills_the_tokens(client, api_client, lender):
    _, token = api_token_create(actor=lender, name="script")
    client.force_login(lender)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": TEST_PASSWORD,
            "password1": "a-new-long-pass-phrase",
            "password2": "a-new-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    assert refused(call_me(api_client, token))


def test_the_owner_revokes_a_token_and_nobody_else_can(api_client, lender):
    row, token = api_token_create(actor=lender, name="script")
    other_bank = make_user(Role.LENDER_OFFICER)
    with pytest.raises(NotFound):
        api_token_revoke(actor=other_bank, digest=row.digest)
    assert call_me(api_client, token).status_code == 200
    api_token_revoke(actor=lender, digest=row.digest)
    assert refused(call_me(api_client, token))
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def test_an_organisation_token_acts_for_the_organisation_only(api_client, lender):
    bank = lender.organization
    row, token = api_token_create_for_organization(actor=lender, organization=bank, name="core banking")
    me = call_me(api_client, token).json()
    assert [m["organization_id"] for m in me["memberships"]] == [bank.pk]
    assert [m["role"] for m in me["memberships"]] == [Role.LENDER_OFFICER]
    assert me["email"] != lender.email  # the integration, not the person
    # it outlives its maker's password
    lender.set_password("another-long-password")
    lender.save()
    assert call_me(api_client, token).status_code == 200
    # a colleague at the same bank can revoke it; it is listed for them
    colleague = make_user(Role.LENDER_OFFICER, bank)
    from accounts.tokens import api_tokens_visible_to

    assert list(api_tokens_visible_to(user=colleague)) == [row]
    api_token_revoke(actor=colleague, digest=row.digest)
    assert refused(call_me(api_client, token))


def test_an_organisation_token_is_refused_for_another_organisation_or_a_staff_organisation(lender, officer):
    other_bank = make_user(Role.LENDER_OFFICER).organization
    with pytest.raises(PermissionRefused):
        api_token_create_for_organization(actor=lender, organization=other_bank, name="x")
    with pytest.raises(PermissionRefused):
        api_token_create_for_organization(actor=officer, organization=officer.organization, name="x")
    assert not ApiToken.objects.exists()


def test_the_integration_user_cannot_sign_in_and_gets_no_email(client, lender):
    bank = lender.organization
    api_token_create_for_organization(actor=lender, organization=bank, name="core")
    bank.refresh_from_db()
    integration = bank.integration_user
    assert not integration.has_usable_password() and integration.is_integration
    from accounts.notifications import notify

    notify(users=[integration], subject="x")
    from django.core import mail

    assert mail.outbox == []


def test_the_token_page_shows_a_new_token_once_and_lists_the_last_use(client, api_client, lender):
    from allauth.mfa.totp.internal.auth import TOTP

    from tests.factories import TEST_TOTP_SECRET

    TOTP.activate(lender, TEST_TOTP_SECRET)  # tokens are made by a session that passed the second factor
    client.force_login(lender)
    made = client.post(reverse("accounts:api_token"), {"name": "reporting"})
    assert made.status_code == 200
    token = made.context["created"][1]
    assert token in made.content.decode()
    assert made["Cache-Control"].startswith("max-age=0") and "no-store" in made["Cache-Control"]
    call_me(api_client, token)
    page = client.get(reverse("accounts:api_token")).content.decode()
    assert token not in page and "reporting" in page and ApiToken.objects.get().token_key in page
    organisation = client.post(
        reverse("accounts:api_token_create_organization"),
        {"name": "core banking", "organization": lender.organization.pk},
    )
    assert (
        organisation.status_code == 200
        and organisation.context["created"][0].organization == lender.organization
    )
    revoke = client.post(
        reverse("accounts:api_token_revoke"), {"token": ApiToken.objects.get(name="reporting").digest}
    )
    assert revoke.status_code == 302
    assert refused(call_me(api_client, token))


def test_a_token_of_the_old_kind_is_hashed_by_the_migration():
    """The migration's digest is knox's: a token of the old (plain-text) kind keeps working until it expires."""
    import hashlib

    from knox.crypto import hash_token

    old = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
    assert hash_token(old) == hashlib.sha512(old.encode()).hexdigest()
