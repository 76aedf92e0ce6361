"""API fuzzing: every operation of /api/schema/, as every role with a real token: no 5xx, responses match the schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.roles import Role
from tests.factories import make_submitted, make_token, make_user

ROLES = [
    Role.APPLICANT,
    Role.CASE_OFFICER,
    Role.APPROVER,
    Role.VALUER,
    Role.LENDER_OFFICER,
    Role.FUND_MANAGER,
    Role.OFFICIAL,
]
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def keep_the_test_connection():
    """Requests go through the real WSGI handler; like Django's test client, keep it from closing the connection
    that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_no_operation_fails_or_breaks_its_schema_for_any_role(program, agency, keep_the_test_connection):
    make_submitted(program)  # something to list and to act on
    tokens = {}
    for role in ROLES:
        user = make_user(role, agency if role in (Role.CASE_OFFICER, Role.APPROVER) else None)
        tokens[role] = make_token(user)
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=4,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def exercise(case):
            for role, key in tokens.items():
                response = case.call(headers={"Authorization": f"Token {key}"})
                try:
                    case.validate_response(response, checks=CHECKS)
                except Exception as exc:
                    failures.append(
                        f"{case.operation.label} as {role}: {type(exc).__name__}: {str(exc)[:300]}"
                    )
                    return

        exercise()
    assert operations >= 30
    assert failures == [], "\n".join(sorted(set(failures))[:30])
