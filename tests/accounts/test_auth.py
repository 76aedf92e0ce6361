import pytest
from django.test import Client
from django.urls import reverse

from accounts.management.commands.demo_totp import current_code
from accounts.roles import Role
from tests.factories import TEST_PASSWORD, TEST_TOTP_SECRET, make_user

pytestmark = pytest.mark.django_db

STAFF = [Role.CASE_OFFICER, Role.APPROVER, Role.OFFICIAL, Role.ADMINISTRATOR]
NON_STAFF = [Role.APPLICANT, Role.VALUER, Role.LENDER_OFFICER, Role.FUND_MANAGER]


def sign_in(client, email, password=TEST_PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


@pytest.mark.parametrize("role", STAFF)
def test_a_staff_user_without_an_authenticator_is_sent_to_set_one_up(client, role):
    user = make_user(role, with_totp=False)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


@pytest.mark.parametrize("role", STAFF)
def test_a_staff_user_without_an_authenticator_gets_a_json_403_from_the_api(client, role):
    user = make_user(role, with_totp=False)
    client.force_login(user)
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"


@pytest.mark.parametrize("role", NON_STAFF)
def test_non_staff_roles_are_not_forced_into_mfa(client, role):
    user = make_user(role)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200


def test_a_staff_login_asks_for_the_totp_code_and_accepts_the_right_one(client):
    user = make_user(Role.CASE_OFFICER)
    response = sign_in(client, user.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # Not signed in yet: the home page is the visitor's.
    assert "_auth_user_id" not in client.session
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    ok = client.post(reverse("mfa_authenticate"), {"code": current_code(TEST_TOTP_SECRET)})
    assert ok.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert home.context["role"] == Role.CASE_OFFICER


def test_an_applicant_signs_in_with_the_password_alone(client, applicant):
    response = sign_in(client, applicant.email)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(applicant.pk)


def test_the_session_key_changes_at_login(client, applicant):
    client.get(reverse("account_login"))
    client.cookies["sessionid"] = "x" * 32
    before = client.session.session_key
    sign_in(client, applicant.email)
    assert client.session.session_key != before


def test_logout_ends_the_session(client, applicant):
    sign_in(client, applicant.email)
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session
    assert client.get("/api/v1/me/").status_code == 403


def test_repeated_failures_lock_out_that_username_from_that_address(client, applicant, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, applicant.email, "wrong-password", REMOTE_ADDR="10.0.0.9")
    locked = sign_in(client, applicant.email, REMOTE_ADDR="10.0.0.9")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_an_attacker_elsewhere_cannot_lock_out_the_real_user(client, applicant, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        sign_in(client, applicant.email, "wrong-password", REMOTE_ADDR="203.0.113.5")
    response = sign_in(client, applicant.email, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(applicant.pk)


def test_an_sme_signs_up_and_must_verify_the_email_first(client, mailoutbox):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "founder@newco.example",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert len(mailoutbox) == 1 and "founder@newco.example" in mailoutbox[0].to


@pytest.mark.parametrize("role", list(Role))
def test_every_role_lands_on_its_own_home_page(client, role):
    user = make_user(role)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert f"home/{role.value}.html" in [t.name for t in response.templates]
    assert response.context["role"] == role


def test_the_navigation_depends_on_the_role(client):
    lender = make_user(Role.LENDER_OFFICER)
    client.force_login(lender)
    labels = [item["url_name"] for item in client.get(reverse("home")).context["nav_items"]]
    assert "accounts:api_token" in labels and "admin:index" not in labels
    admin = make_user(Role.ADMINISTRATOR)
    client.force_login(admin)
    labels = [item["url_name"] for item in client.get(reverse("home")).context["nav_items"]]
    assert "admin:index" in labels and "accounts:api_token" not in labels


def test_a_password_reset_mails_a_link_and_says_nothing_about_unknown_addresses(
    client, applicant, mailoutbox
):
    known = client.post(reverse("account_reset_password"), {"email": applicant.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@nowhere.example"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m.to for m in mailoutbox if "password" in m.subject.lower() or "Password" in m.body][0] == [
        applicant.email
    ]


def test_a_session_without_the_second_factor_stays_refused_when_an_authenticator_appears(client):
    from allauth.mfa.models import Authenticator

    user = make_user(Role.CASE_OFFICER, with_totp=False)
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 302  # none yet: sent to set one up
    holder = make_user(Role.CASE_OFFICER)  # an authenticator that appears without this session showing a code
    Authenticator.objects.filter(user=holder).update(user=user)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session  # signed out: sign in again, with the code
    other = Client()
    other.force_login(user)  # a sign-in that included the code step
    assert other.get(reverse("home")).status_code == 200


def test_removing_the_authenticator_in_a_session_makes_that_session_ask_for_one_again(client):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.signals import authenticator_removed

    user = make_user(Role.CASE_OFFICER)
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200  # found and remembered
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    authenticator.delete()

    class Request:  # what allauth sends with the signal: the request of the session that removed it
        session = client.session

    request = Request()
    authenticator_removed.send(sender=Authenticator, request=request, user=user, authenticator=authenticator)
    request.session.save()
    assert client.get(reverse("home")).status_code == 302
