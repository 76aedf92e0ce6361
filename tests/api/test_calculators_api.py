"""The valuer's calculators through the API: the page's forms and functions, figures recomputed here."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from accounts.roles import Role
from tests.factories import make_token, make_user
from valuations.calculators import DEFAULT_INDICATORS

pytestmark = pytest.mark.django_db
URL = "/api/v1/valuations/calculators/"


def get(api_client, user, which, params):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    return api_client.get(f"{URL}{which}/", params)


def test_relief_from_royalty_over_the_legal_life_left_in_krw(api_client, valuer):
    expiry = timezone.localdate() + timedelta(days=3 * 365 + 10)  # three whole years left
    params = {
        "revenues": "1000000000, 1200000000, 1400000000, 1500000000",
        "royalty_rate": "0.05",
        "tax_rate": "0.22",
        "discount_rate": "0.15",
        "expiry_date": expiry.isoformat(),
    }
    body = get(api_client, valuer, "royalty", params).json()
    expected = []
    for t, revenue in enumerate((1_000_000_000, 1_200_000_000, 1_400_000_000), start=1):
        factor = (1 / Decimal("1.15") ** t).quantize(Decimal("0.000001"))
        after_tax = Decimal(revenue) * Decimal("0.05") * Decimal("0.78")
        expected.append((after_tax * factor).quantize(Decimal(1), ROUND_HALF_UP))
    assert [Decimal(line["present_value"]) for line in body["lines"]] == expected
    assert Decimal(body["total"]) == sum(expected) and len(body["lines"]) == 3


def test_the_cost_approach_takes_each_obsolescence_from_what_is_left(api_client, officer):
    params = {"reproduction_cost": "1000000.50", "physical": "0.1", "functional": "0.2", "economic": "0"}
    body = get(api_client, officer, "cost", params).json()
    # 1,000,000.50 - 100,000.05 = 900,000.45; - 180,000.09 = 720,000.36 -> 720,000 (whole units)
    assert body["value"] == "720000"
    assert [s["amount"] for s in body["steps"]] == ["1000000.50", "-100000", "-180000", "0"]


def test_the_scorecard_weighs_the_areas_and_grades_the_score(api_client, valuer):
    ratings = {f"{area}:{name}": "3" for area, names in DEFAULT_INDICATORS.items() for name in names}
    ratings.update({f"legal:{name}": "5" for name in DEFAULT_INDICATORS["legal"]})
    body = get(api_client, valuer, "scorecard", ratings).json()
    # legal 5 × 0.25 + the other areas 3 × 0.75 = 3.50 -> BBB (3.5 and above)
    assert (body["score"], body["grade"]) == ("3.50", "BBB")
    assert body["areas"]["legal"] == "5.00" and body["areas"]["market"] == "3.00"


@pytest.mark.parametrize(
    "which, params, field",
    [
        (
            "royalty",
            {"revenues": "abc", "royalty_rate": "0.05", "tax_rate": "0.2", "discount_rate": "0.1"},
            "revenues",
        ),
        (
            "royalty",
            {"revenues": "1", "royalty_rate": "2", "tax_rate": "0.2", "discount_rate": "0.1"},
            "royalty_rate",
        ),
        ("cost", {"reproduction_cost": "-1"}, "reproduction_cost"),
        ("cost", {"reproduction_cost": "NaN"}, "reproduction_cost"),
        ("scorecard", {"legal:validity": "9"}, "legal:validity"),
    ],
)
def test_bad_input_is_a_400_in_the_error_shape(api_client, valuer, which, params, field):
    response = get(api_client, valuer, which, params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and field in response.json()["details"]


@pytest.mark.parametrize("role", [Role.LENDER_OFFICER, Role.APPLICANT, Role.FUND_MANAGER, Role.OFFICIAL])
def test_only_the_pages_readers_use_them(api_client, role):
    user = make_user(role)
    for which in ("royalty", "cost", "scorecard"):
        assert get(api_client, user, which, {}).status_code == 403
