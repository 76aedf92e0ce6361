"""No way around the second factor: every staff path (the admin, every page, the API, API tokens) needs a session
that passed the TOTP step, and the TOTP step is limited like passwords. Each test is an attack that worked before."""

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client
from django.urls import reverse

from accounts.management.commands.demo_totp import current_code
from accounts.models import User
from accounts.roles import Role
from audit.models import AuditEvent
from tests.factories import TEST_PASSWORD, TEST_TOTP_SECRET, make_token, make_user

pytestmark = pytest.mark.django_db

STAFF = [Role.CASE_OFFICER, Role.APPROVER, Role.OFFICIAL, Role.ADMINISTRATOR]


def superuser(*, with_totp=True):
    """What ``manage.py createsuperuser`` makes (no organisation, no role), with or without an authenticator."""
    from allauth.mfa.totp.internal.auth import TOTP

    user = User.objects.create_superuser(email="root@ipfin.example", password=TEST_PASSWORD)
    if with_totp:
        TOTP.activate(user, TEST_TOTP_SECRET)
    return user


def password_only_session(client, user):
    """A session signed in with the password alone (what /admin/login/ used to make)."""
    client.force_login(user)
    session = client.session
    session.pop(AUTHENTICATION_METHODS_SESSION_KEY, None)
    session.save()


def sign_in_with_password(client, email, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": TEST_PASSWORD}, **extra)


# --- the admin ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("with_totp", [True, False])
def test_the_admin_login_form_signs_nobody_in_with_a_password(client, with_totp):
    root = superuser(with_totp=with_totp)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": root.email, "password": TEST_PASSWORD, "next": "/admin/"}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=%2Fadmin%2F"
    assert client.get("/admin/").status_code == 302
    assert client.get("/api/v1/me/").status_code == 403


def test_the_admin_login_sends_to_the_sites_sign_in_and_never_off_site(client):
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == f"{reverse('account_login')}?next=%2Fadmin%2F"


def test_a_superuser_signs_in_to_the_admin_through_the_password_and_the_totp_step(client):
    root = superuser()
    login = sign_in_with_password(client, root.email)
    assert login["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": current_code(TEST_TOTP_SECRET)})
    assert client.session["_auth_user_id"] == str(root.pk)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("role", [*STAFF, "superuser"])
def test_a_password_only_staff_session_reaches_no_page_no_admin_and_no_api(client, role):
    user = superuser() if role == "superuser" else make_user(role)
    if role == Role.ADMINISTRATOR:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    for path in ["/admin/", "/", "/api/v1/me/"]:
        password_only_session(client, user)
        response = client.get(path)
        if path.startswith("/api/"):
            assert response.status_code == 403 and response.json()["code"] == "mfa_required"
        else:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        assert "_auth_user_id" not in client.session  # signed out: it must sign in again, with the code


def test_a_password_only_staff_session_cannot_use_the_mfa_pages_to_remove_the_authenticator(client):
    officer = make_user(Role.CASE_OFFICER)
    for path in [reverse("mfa_index"), reverse("mfa_deactivate_totp"), reverse("account_reauthenticate")]:
        password_only_session(client, officer)
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
        assert "_auth_user_id" not in client.session
    assert Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).exists()


def test_the_admin_refuses_a_session_without_the_second_factor_even_past_the_middleware(rf):
    from django.contrib.admin import site
    from django.contrib.sessions.backends.db import SessionStore

    root = superuser()
    request = rf.get("/admin/")
    request.user, request.session = root, SessionStore()
    assert site.has_permission(request) is False


def test_a_superuser_without_an_authenticator_is_sent_to_set_one_up_and_gets_a_403_from_the_api(client):
    root = superuser(with_totp=False)
    assert root.needs_mfa
    client.force_login(root)
    admin = client.get("/admin/")
    assert admin.status_code == 302 and admin["Location"].startswith(reverse("mfa_activate_totp"))
    api = client.get("/api/v1/me/")
    assert api.status_code == 403 and api.json()["code"] == "mfa_required"


def test_a_user_with_is_staff_alone_needs_the_second_factor():
    assert User.objects.create_user(email="x@example.org", is_staff=True).needs_mfa
    assert not User.objects.create_user(email="y@example.org").needs_mfa


def test_setting_up_the_authenticator_in_the_session_lets_it_in(client):
    officer = make_user(Role.CASE_OFFICER, with_totp=False)
    sign_in_with_password(client, officer.email)
    assert client.get("/")["Location"].startswith(reverse("mfa_activate_totp"))
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})  # allauth asks first
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).exists()
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


# --- API tokens ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_a_staff_user_without_an_authenticator_cannot_make_an_api_token(client, role):
    from accounts.models import ApiToken

    user = make_user(role, with_totp=False)
    client.force_login(user)
    response = client.post(reverse("accounts:api_token"), {"name": "stolen"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_activate_totp"))
    assert not ApiToken.objects.filter(user=user).exists()


def test_a_session_that_skipped_the_code_step_cannot_make_an_api_token(client):
    from accounts.models import ApiToken

    officer = make_user(Role.CASE_OFFICER)
    password_only_session(client, officer)
    client.post(reverse("accounts:api_token"), {"name": "stolen"})
    assert not ApiToken.objects.exists()


def test_a_bank_officer_without_the_second_factor_makes_no_token(client, lender):
    from accounts.models import ApiToken

    client.force_login(lender)  # a password sign-in: lenders are not forced into MFA, but tokens need it
    response = client.post(reverse("accounts:api_token"), {"name": "core banking"})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()
    organization = lender.organization
    response = client.post(
        reverse("accounts:api_token_create_organization"), {"name": "core", "organization": organization.pk}
    )
    assert response.status_code == 403 and not ApiToken.objects.exists()


@pytest.mark.parametrize("role", STAFF)
def test_a_staff_token_whose_user_has_no_authenticator_is_refused(api_client, role):
    user = make_user(role)
    token = make_token(user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/me/").status_code == 200
    Authenticator.objects.filter(user=user).delete()
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json() == {
        "code": "mfa_required",
        "message": "Set up two-factor authentication first.",
        "details": {},
    }


# --- the TOTP step: limited and recorded -------------------------------------------------------------------------


def test_the_totp_step_locks_after_the_failure_limit_and_refuses_even_the_right_code(client, settings):
    officer = make_user(Role.CASE_OFFICER)
    sign_in_with_password(client, officer.email, REMOTE_ADDR="203.0.113.9")
    statuses = [
        client.post(reverse("mfa_authenticate"), {"code": "000000"}, REMOTE_ADDR="203.0.113.9").status_code
        for _ in range(25)
    ]
    assert statuses[: settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(statuses[settings.AXES_FAILURE_LIMIT :]) == {429}
    right = client.post(
        reverse("mfa_authenticate"), {"code": current_code(TEST_TOTP_SECRET)}, REMOTE_ADDR="203.0.113.9"
    )
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/api/v1/me/").status_code == 403
    # the password step is locked for that pair too, in a new session as in the old one (which gets the code step
    # again, still locked)
    fresh = Client()
    again = sign_in_with_password(fresh, officer.email, REMOTE_ADDR="203.0.113.9")
    assert again.status_code == 429 and "_auth_user_id" not in fresh.session
    sign_in_with_password(client, officer.email, REMOTE_ADDR="203.0.113.9")
    code = client.post(
        reverse("mfa_authenticate"), {"code": current_code(TEST_TOTP_SECRET)}, REMOTE_ADDR="203.0.113.9"
    )
    assert code.status_code == 429 and "_auth_user_id" not in client.session


def test_every_failed_code_is_recorded(client, settings):
    officer = make_user(Role.CASE_OFFICER)
    sign_in_with_password(client, officer.email, REMOTE_ADDR="203.0.113.10")
    for _ in range(2):
        client.post(reverse("mfa_authenticate"), {"code": "123456"}, REMOTE_ADDR="203.0.113.10")
    assert AccessFailureLog.objects.filter(username=officer.email, ip_address="203.0.113.10").count() == 2
    assert (
        AccessAttempt.objects.get(username=officer.email, ip_address="203.0.113.10").failures_since_start == 2
    )
    events = AuditEvent.objects.filter(action="mfa.failed", target_id=str(officer.pk))
    assert events.count() == 2 and events.first().details["step"] == "sign_in"


def test_a_right_code_before_the_limit_signs_in_and_clears_the_count(client):
    officer = make_user(Role.CASE_OFFICER)
    sign_in_with_password(client, officer.email, REMOTE_ADDR="203.0.113.11")
    client.post(reverse("mfa_authenticate"), {"code": "000000"}, REMOTE_ADDR="203.0.113.11")
    ok = client.post(
        reverse("mfa_authenticate"), {"code": current_code(TEST_TOTP_SECRET)}, REMOTE_ADDR="203.0.113.11"
    )
    assert ok.status_code == 302 and client.session["_auth_user_id"] == str(officer.pk)
    assert not AccessAttempt.objects.filter(username=officer.email).exists()


def test_a_lock_from_one_address_leaves_the_real_user_elsewhere_free(client, settings):
    officer = make_user(Role.CASE_OFFICER)
    sign_in_with_password(client, officer.email, REMOTE_ADDR="203.0.113.12")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post(reverse("mfa_authenticate"), {"code": "000000"}, REMOTE_ADDR="203.0.113.12")
    client.logout()
    sign_in_with_password(client, officer.email, REMOTE_ADDR="198.51.100.3")
    ok = client.post(
        reverse("mfa_authenticate"), {"code": current_code(TEST_TOTP_SECRET)}, REMOTE_ADDR="198.51.100.3"
    )
    assert ok.status_code == 302 and client.session["_auth_user_id"] == str(officer.pk)


def test_the_code_step_of_a_reauthentication_is_limited_and_recorded_too(client, settings):
    officer = make_user(Role.CASE_OFFICER)
    client.force_login(officer)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("mfa_reauthenticate"), {"code": "000000"}, REMOTE_ADDR="203.0.113.20")
    locked = client.post(
        reverse("mfa_reauthenticate"), {"code": current_code(TEST_TOTP_SECRET)}, REMOTE_ADDR="203.0.113.20"
    )
    assert locked.status_code == 429
    events = AuditEvent.objects.filter(action="mfa.failed", target_id=str(officer.pk))
    assert (
        events.count() == settings.AXES_FAILURE_LIMIT and events.first().details["step"] == "reauthenticate"
    )
