"""The applications API list writes plain rows (application_list_data) instead of running ApplicationSerializer over
model objects: what it answers must be what the serializer writes, field for field and in the same order."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer

from applications.api import ApplicationSerializer
from applications.models import Application
from tests.factories import ApplicationFactory, IPAssetFactory, ProgramFactory, company_for_user, make_token

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 3, 2, 23, 59, 58, 123456, tzinfo=UTC)  # the next day in Seoul


@pytest.fixture
def varied(applicant):
    """Applications in KRW, JPY and GBP programs, in several states: draft without an amount or reference, amounts
    with and without minor units and of 13 whole digits (SQLite keeps 15 significant ones), 0, 1 and 3 assets, a
    Korean snapshot."""
    company = company_for_user(applicant)
    programs = [ProgramFactory(currency=c) for c in ("KRW", "JPY", "GBP")]
    assets = [IPAssetFactory(company=company) for _ in range(4)]
    rows = [
        dict(status="draft", reference=None, requested_amount=None, purpose="", eligibility_snapshot={}),
        dict(status="submitted", reference="KR-2026-000001", requested_amount=Decimal("100000000")),
        dict(
            status="approved",
            reference="JP-2026-000002",
            requested_amount=Decimal("9876543210987.65"),
            approved_amount=Decimal("0.01"),
            decided_at=WHEN,
            eligibility_snapshot={"rules": [{"kind": "규칙", "outcome": "passed", "amount": "1.50"}]},
        ),
        dict(
            status="rejected",
            reference="GB-2026-000003",
            requested_amount=Decimal("2500.50"),
            approved_amount=None,
            decided_at=datetime(2026, 1, 1, tzinfo=UTC),
            purpose="운전자금 (working capital)",
        ),
        dict(status="withdrawn", reference="KR-2026-000004", requested_amount=Decimal("1")),
    ]
    made = []
    for i, fields in enumerate(rows):
        application = ApplicationFactory(company=company, created_by=applicant, program=programs[i % 3])
        # created in one order, submitted in the other: the two orderings differ
        stamps = {"submitted_at": WHEN - timedelta(hours=10 - i)} if fields["status"] != "draft" else {}
        Application.objects.filter(pk=application.pk).update(
            created_at=WHEN - timedelta(hours=i, microseconds=i), **stamps, **fields
        )
        made.append(application)
    made[1].ip_assets.set(assets[:1])
    made[2].ip_assets.set([assets[3], assets[0], assets[2]])
    return made


def _api(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    return api_client


def _serialized(queryset):
    """What ApplicationSerializer writes for these applications, rendered and read back as the API's JSON is."""
    data = ApplicationSerializer(queryset.prefetch_related("ip_assets"), many=True).data
    return json.loads(JSONRenderer().render(data))


def _listed(api, query="", language="en"):
    response = api.get("/api/v1/applications/" + query, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.json()["results"]


@pytest.mark.parametrize("language,zone", [("en", "Asia/Seoul"), ("ko", "Asia/Seoul"), ("en", "UTC")])
def test_the_list_writes_what_the_serializer_writes(api_client, applicant, varied, language, zone):
    api = _api(api_client, applicant)
    mine = Application.objects.filter(company__organization=applicant.organization)
    with timezone.override(zone):
        listed = _listed(api, language=language)
        with translation.override(language):
            expected = _serialized(mine.order_by("-created_at", "-pk"))
    assert len(listed) == len(varied) == 5
    assert [list(row) for row in listed] == [
        list(row) for row in expected
    ]  # the same fields in the same order
    assert listed == expected
    assert [row["id"] for row in listed] == [a.pk for a in varied]
    assert {row["currency"] for row in listed} == {"KRW", "JPY", "GBP"}
    assert listed[2]["ip_assets"] == sorted(a.pk for a in varied[2].ip_assets.all())
    assert (listed[0]["requested_amount"], listed[2]["approved_amount"]) == (None, "0.01")
    assert listed[2]["requested_amount"] == "9876543210987.65"
    if language == "ko":
        assert listed[1]["status_display"] != "Submitted"  # translated, as the serializer translates it


def test_filters_and_ordering_list_what_the_serializer_writes(api_client, applicant, varied):
    api = _api(api_client, applicant)
    mine = Application.objects.filter(company__organization=applicant.organization)
    code = varied[2].program.code
    assert _listed(api, "?status=draft") == _serialized(mine.filter(status="draft"))
    by_program = _listed(api, f"?program__code={code}")
    assert by_program == _serialized(mine.filter(program__code=code).order_by("-created_at", "-pk"))
    by_submission = _listed(api, "?ordering=submitted_at")
    assert by_submission == _serialized(mine.order_by("submitted_at"))
    assert [row["id"] for row in by_submission if row["submitted_at"]] == [a.pk for a in varied[1:]]
    second_page = _listed(api, "?ordering=-submitted_at&page_size=1&page=2")
    assert second_page == _serialized(mine.order_by("-submitted_at"))[1:2]
