import json

import pytest
from django.urls import path
from openapi_spec_validator import validate
from rest_framework.views import APIView

from config.urls import urlpatterns as project_urls
from core.errors import Conflict, IllegalTransition
from tests.factories import make_token

pytestmark = pytest.mark.django_db


class _ConflictApi(APIView):
    authentication_classes = []
    permission_classes = []

    def post(self, request):
        raise IllegalTransition("A draft cannot be approved.", details={"from": "draft", "to": "approved"})

    def get(self, request):
        raise Conflict("Over budget.")


urlpatterns = [path("test/conflict/", _ConflictApi.as_view()), *project_urls]


def test_the_openapi_schema_is_valid(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate(schema)
    assert "/api/v1/me/" in schema["paths"]


def test_the_api_docs_page_loads_without_any_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "cdn" not in body.lower() and "https://" not in body


@pytest.mark.urls(__name__)
def test_a_domain_error_becomes_a_409_with_code_message_and_details(client):
    response = client.post("/test/conflict/")
    assert response.status_code == 409
    assert response.json() == {
        "code": "illegal_transition",
        "message": "A draft cannot be approved.",
        "details": {"from": "draft", "to": "approved"},
    }
    assert client.get("/test/conflict/").json()["code"] == "conflict"


def test_an_anonymous_call_gets_a_json_error(client):
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    assert set(response.json()) == {"code", "message", "details"}


def test_a_token_authenticates_the_api(api_client, lender):
    token = make_token(lender)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["memberships"][0]["role"] == "lender_officer"


def test_an_unknown_api_url_is_a_404(client, applicant):
    client.force_login(applicant)
    assert client.get("/api/v1/nothing-here/").status_code == 404


def test_error_pages_leak_nothing(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"Traceback" not in response.content and b"urlpatterns" not in response.content
