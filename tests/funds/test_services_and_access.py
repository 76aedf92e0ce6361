from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from accounts.roles import Role
from audit.models import AuditEvent
from core.errors import Conflict, InvalidInput
from funds import services
from funds.models import CashFlow, Fund
from tests.concurrency import race
from tests.factories import make_token, make_user
from tests.funds.factories import mother_fund, sub_fund_fields

pytestmark = pytest.mark.django_db


def test_a_mother_fund_cannot_commit_more_than_its_size():
    mother = mother_fund("100")
    services.sub_fund_create(parent=mother, actor=None, **sub_fund_fields("60"))
    with pytest.raises(Conflict) as error:
        services.sub_fund_create(parent=mother, actor=None, **sub_fund_fields("50"))
    assert error.value.code == "over_commitment"
    mother.refresh_from_db()
    assert mother.committed_to_sub_funds == 60 and mother.sub_funds.count() == 1


def test_a_sub_fund_cannot_deploy_and_reserve_beyond_its_commitment():
    fund = services.sub_fund_create(parent=mother_fund(), actor=None, **sub_fund_fields("100"))
    services.cash_flow_record(
        fund=fund, actor=None, kind="reserve", date=date(2023, 1, 1), amount=Decimal("30")
    )
    services.cash_flow_record(
        fund=fund, actor=None, kind="deploy", date=date(2023, 1, 2), amount=Decimal("70")
    )
    with pytest.raises(Conflict):
        services.cash_flow_record(
            fund=fund, actor=None, kind="deploy", date=date(2023, 1, 3), amount=Decimal("1")
        )
    fund.refresh_from_db()
    assert (fund.deployed_total, fund.reserved_total) == (70, 30)
    assert fund.cash_flows.count() == 2


def test_a_correction_is_a_new_entry_and_the_original_stays():
    fund = services.sub_fund_create(parent=mother_fund(), actor=None, **sub_fund_fields("100"))
    wrong = services.cash_flow_record(
        fund=fund, actor=None, kind="deploy", date=date(2023, 1, 1), amount=Decimal("40")
    )
    services.cash_flow_record(
        fund=fund,
        actor=None,
        kind="deploy",
        date=date(2023, 1, 1),
        amount=Decimal("-40"),
        corrects=wrong,
        description="typo",
    )
    fund.refresh_from_db()
    assert fund.deployed_total == 0 and CashFlow.objects.filter(fund=fund).count() == 2
    with pytest.raises(InvalidInput):
        services.cash_flow_record(
            fund=fund, actor=None, kind="deploy", date=date(2023, 1, 1), amount=Decimal("-5")
        )


def test_a_deal_just_under_the_limit_reads_its_precise_share_not_the_limit_rounded():
    fund = services.sub_fund_create(
        parent=mother_fund(), actor=None, **sub_fund_fields(min_overseas_revenue_share=Decimal("0.2"))
    )
    deal = services.deal_screen(
        fund=fund,
        actor=None,
        name="Almost",
        considered_on=date(2023, 1, 1),
        amount=Decimal("10"),
        overseas_revenue_share=Decimal("0.1999"),
    )
    assert deal.exclusion_reasons[0]["reason"] == "overseas revenue 19.99% < 20%"


def test_deal_screening_names_the_rule_and_the_numbers():
    fund = services.sub_fund_create(
        parent=mother_fund(), actor=None, **sub_fund_fields(min_overseas_revenue_share=Decimal("0.2"))
    )
    deal = services.deal_screen(
        fund=fund,
        actor=None,
        name="Drama X",
        considered_on=date(2023, 1, 1),
        amount=Decimal("10"),
        overseas_revenue_share=Decimal("0.08"),
    )
    assert not deal.eligible and deal.exclusion_reasons == [
        {
            "rule": "min_overseas_revenue_share",
            "reason": "overseas revenue 8% < 20%",
            "value": "0.08",
            "minimum": "0.2",
        }
    ]
    assert AuditEvent.objects.filter(action="fund.deal_screened").count() == 1


def test_no_new_investment_after_the_licence_is_returned():
    fund = services.sub_fund_create(parent=mother_fund(), actor=None, **sub_fund_fields())
    services.licence_change(fund=fund, actor=None, state="returned", on=date(2023, 11, 15))
    with pytest.raises(Conflict):
        services.cash_flow_record(
            fund=fund, actor=None, kind="deploy", date=date(2023, 12, 1), amount=Decimal("1")
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_commitments_never_exceed_the_mother_funds_size():
    mother = mother_fund("100")
    outcomes = race(
        [
            lambda i=i: services.sub_fund_create(
                parent=mother, actor=None, **sub_fund_fields("60", name=f"S{i}")
            )
            for i in range(4)
        ]
    )
    assert outcomes == ["ok", "over_commitment", "over_commitment", "over_commitment"]
    assert Fund.objects.get(pk=mother.pk).committed_to_sub_funds == 60


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deployments_never_exceed_the_commitment():
    fund = services.sub_fund_create(parent=mother_fund(), actor=None, **sub_fund_fields("100"))
    outcomes = race(
        [
            lambda: services.cash_flow_record(
                fund=fund, actor=None, kind="deploy", date=date(2023, 1, 1), amount=Decimal("40")
            )
            for _ in range(4)
        ]
    )
    assert outcomes.count("ok") == 2
    assert Fund.objects.get(pk=fund.pk).deployed_total == 80


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_entries_of_one_fund_and_day_recorded_at_once_all_reach_the_day_sums():
    """Each entry recomputes its day from the ledger under a lock on the fund: none misses another's entry."""
    from funds.models import LedgerDay

    fund = services.sub_fund_create(parent=mother_fund(), actor=None, **sub_fund_fields("100"))
    outcomes = race(
        [
            lambda n=n: services.cash_flow_record(
                fund=fund, actor=None, kind="call", date=date(2023, 1, 1), amount=Decimal(n)
            )
            for n in (1, 2, 4, 8)
        ]
    )
    assert outcomes == ["ok"] * 4
    assert LedgerDay.objects.get(fund=fund, date=date(2023, 1, 1)).called == 15


@pytest.fixture
def two_managers():
    a, b = make_user(Role.FUND_MANAGER), make_user(Role.FUND_MANAGER)
    mother = mother_fund()
    fund_a = services.sub_fund_create(
        parent=mother, actor=None, **sub_fund_fields(manager=a.organization, name="A")
    )
    fund_b = services.sub_fund_create(
        parent=mother, actor=None, **sub_fund_fields(manager=b.organization, name="B")
    )
    return a, b, fund_a, fund_b


def _api(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    return api_client


def test_fund_manager_b_cannot_see_fund_as_ledger(client, api_client, two_managers):
    a, b, fund_a, fund_b = two_managers
    client.force_login(b)
    assert client.get(f"/funds/{fund_a.pk}/").status_code == 404
    assert client.get(f"/funds/{fund_b.pk}/").status_code == 200
    api = _api(api_client, b)
    assert api.get(f"/api/v1/funds/{fund_a.pk}/cash-flows/").status_code == 404
    assert (
        api.post(
            f"/api/v1/funds/{fund_a.pk}/cash-flows/",
            {"kind": "call", "date": "2023-01-01", "amount": "5"},
            format="json",
        ).status_code
        == 404
    )
    assert [f["id"] for f in api.get("/api/v1/funds/").json()["results"]] == [fund_b.pk]


def test_a_manager_records_through_the_api_and_bad_input_is_a_400(api_client, two_managers):
    a, _b, fund_a, _fund_b = two_managers
    api = _api(api_client, a)
    ok = api.post(
        f"/api/v1/funds/{fund_a.pk}/cash-flows/",
        {"kind": "deploy", "date": "2023-01-01", "amount": "10"},
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["validation"] == "pending"
    too_much = api.post(
        f"/api/v1/funds/{fund_a.pk}/cash-flows/",
        {"kind": "deploy", "date": "2023-01-01", "amount": "1000"},
        format="json",
    )
    assert too_much.status_code == 409 and too_much.json()["code"] == "over_commitment"
    for bad in [
        {"kind": "loan", "date": "2023-01-01", "amount": "1"},
        {"kind": "call", "date": "x", "amount": "1"},
        {"kind": "call", "date": "2023-01-01", "amount": "1e999"},
        {"kind": "call"},
    ]:
        assert api.post(f"/api/v1/funds/{fund_a.pk}/cash-flows/", bad, format="json").status_code == 400, bad


def test_officials_read_every_fund_but_cannot_write(client, api_client, official, two_managers):
    _a, _b, fund_a, _fund_b = two_managers
    client.force_login(official)
    assert client.get(f"/funds/{fund_a.pk}/").status_code == 200
    client.post(f"/funds/{fund_a.pk}/", {"entry": "1", "kind": "call", "date": "2023-01-01", "amount": "5"})
    assert fund_a.cash_flows.count() == 0
    api = _api(api_client, official)
    assert (
        api.post(
            f"/api/v1/funds/{fund_a.pk}/cash-flows/",
            {"kind": "call", "date": "2023-01-01", "amount": "5"},
            format="json",
        ).status_code
        == 403
    )


@freeze_time("2026-03-02 09:00:00")
def test_fund_lists_and_ledgers_run_a_constant_number_of_queries(client, api_client, official, two_managers):
    a, _b, fund_a, _ = two_managers
    api = _api(api_client, a)
    client.force_login(a)

    def count(url, c):
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx)

    services.cash_flow_record(fund=fund_a, actor=a, kind="call", date=date(2023, 1, 1), amount=Decimal("1"))
    urls = ["/funds/", f"/funds/{fund_a.pk}/"]
    client.get(urls[0])  # the session's activity stamp (once a minute) is not what is counted
    before = [count(u, client) for u in urls] + [count(f"/api/v1/funds/{fund_a.pk}/cash-flows/", api)]
    for day in range(1, 50):
        services.cash_flow_record(
            fund=fund_a, actor=a, kind="call", date=date(2023, 2, day % 28 + 1), amount=Decimal("1")
        )
    after = [count(u, client) for u in urls] + [count(f"/api/v1/funds/{fund_a.pk}/cash-flows/", api)]
    assert before == after
