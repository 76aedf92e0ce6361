"""Fixtures shared by the whole suite, and the rule for tests that need real services.

Tests marked ``postgres`` or ``redis`` skip (with the reason) when the suite
runs on SQLite or without Redis. With ``IPFIN_REQUIRE_SERVICES=1`` (set by
.ci/run) such a test fails instead of skipping, so CI cannot go green
without having exercised the real database and broker.
"""

import os

import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings

from accounts.roles import Role

from .factories import OrganizationFactory, make_user

REQUIRE_SERVICES = os.environ.get("IPFIN_REQUIRE_SERVICES") == "1"

# Property tests check values, not speed: a per-example deadline failed them on a loaded two-core machine (the
# same example passes alone). Speed is measured in `make bench`.
hypothesis_settings.register_profile("ipfin", deadline=None)
hypothesis_settings.load_profile("ipfin")


def _postgres_available():
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def _redis_available():
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return False
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return True
    except Exception:
        return False


def pytest_collection_modifyitems(config, items):
    available = {"postgres": _postgres_available(), "redis": None}
    for item in items:
        for marker in ("postgres", "redis"):
            if marker not in item.keywords:
                continue
            if available[marker] is None:
                available[marker] = _redis_available()
            if available[marker]:
                continue
            reason = f"needs {marker} (set DATABASE_URL / REDIS_URL to the real service)"
            if REQUIRE_SERVICES:
                item.user_properties.append(("service_missing", marker))
            else:
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_runtest_setup(item):
    if REQUIRE_SERVICES and any(name == "service_missing" for name, _ in item.user_properties):
        pytest.fail(
            f"{item.nodeid}: needs {dict(item.user_properties)['service_missing']}, which is not available"
        )


# --- the fixed cast -----------------------------------------------------------


@pytest.fixture
def agency(db):
    return OrganizationFactory(kind="agency", name="Agency A", short_code="AGA")


@pytest.fixture
def other_agency(db):
    return OrganizationFactory(kind="agency", name="Agency B", short_code="AGB")


@pytest.fixture
def company(db):
    return OrganizationFactory(kind="company", name="Company A")


@pytest.fixture
def other_company(db):
    return OrganizationFactory(kind="company", name="Company B")


@pytest.fixture
def applicant(company):
    return make_user(Role.APPLICANT, company, email="applicant@a.example")


@pytest.fixture
def outsider_applicant(other_company):
    return make_user(Role.APPLICANT, other_company, email="applicant@b.example")


@pytest.fixture
def officer(agency):
    return make_user(Role.CASE_OFFICER, agency, email="officer@agency.example")


@pytest.fixture
def second_officer(agency):
    return make_user(Role.CASE_OFFICER, agency, email="officer2@agency.example")


@pytest.fixture
def approver(agency):
    return make_user(Role.APPROVER, agency, email="approver@agency.example")


@pytest.fixture
def administrator(agency):
    return make_user(Role.ADMINISTRATOR, agency, email="admin@agency.example")


@pytest.fixture
def official(db):
    return make_user(Role.OFFICIAL, email="official@ministry.example")


@pytest.fixture
def valuer(db):
    return make_user(Role.VALUER, email="valuer@firm.example")


@pytest.fixture
def lender(db):
    return make_user(Role.LENDER_OFFICER, email="lender@bank.example")


@pytest.fixture
def fund_manager(db):
    return make_user(Role.FUND_MANAGER, email="manager@gp.example")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "documents"


@pytest.fixture(autouse=True)
def _force_login_includes_the_second_factor(monkeypatch):
    """``client.force_login(user)`` stands in for the whole sign-in: for a user with an authenticator app that
    includes the TOTP step, as allauth records it in the session (a staff session needs it: accounts.middleware).
    Tests of the sign-in itself post to the real pages; tests/accounts/test_mfa_* build password-only sessions."""
    from django.test import Client

    from accounts.mfa import has_totp, session_mark_passed_mfa

    original = Client._login

    def _login(self, user, backend=None):
        original(self, user, backend)
        if has_totp(user):
            session = self.session
            session_mark_passed_mfa(session, user)
            session.save()

    monkeypatch.setattr(Client, "_login", _login)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (cached counts from another test's rows would leak into it)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in Korean leaves Korean active in its thread."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def program(agency, officer, second_officer):
    """A program of agency A with two officers and a two-criterion rubric."""
    from casework.models import RubricCriterion

    from .factories import ProgramFactory

    program = ProgramFactory(agency=agency, code="KIPO")
    program.officers.set([officer, second_officer])
    RubricCriterion.objects.create(program=program, name="Technology", weight=2)
    RubricCriterion.objects.create(program=program, name="Finance", weight=1)
    return program


@pytest.fixture
def submitted(program, applicant):
    """A case of the applicant's company, submitted through the real service."""
    from .factories import company_for_user, make_submitted

    return make_submitted(program, company=company_for_user(applicant), created_by=applicant)
