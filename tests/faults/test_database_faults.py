"""Faults: the database drops the application's connection between requests."""

import psycopg
import pytest
from django.conf import settings
from django.core.signals import request_started
from django.db import connection

from programs.models import Program
from tests.factories import ProgramFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_after_pg_terminate_backend_the_next_request_gets_a_fresh_connection():
    """Persistent connections (CONN_MAX_AGE) are health-checked at the start of each request (CONN_HEALTH_CHECKS):
    a connection killed by the database is replaced instead of failing the request."""
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    ProgramFactory(code="LIVE")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0] is True
    request_started.send(sender=None)  # what the handler does before each request (close_old_connections)
    assert Program.objects.filter(code="LIVE").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
