import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from accounts.roles import OrganizationKind, Role
from applications.models import Application, IPAsset
from casework.services import case_proposed_amount
from core.errors import Conflict, IllegalTransition, InvalidInput, PermissionRefused
from core.transitions import move
from programs.models import Program
from tests.factories import PDF_BYTES, OrganizationFactory, make_submitted, make_user
from valuations import services
from valuations.models import TRANSITIONS, OrderStatus, ValuationOrder
from valuations.selectors import accepted_valuation_total

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm():
    return OrganizationFactory(kind=OrganizationKind.VALUER, name="Firm A")


@pytest.fixture
def case(program, firm):
    program.valuer_panel.add(firm)
    Program.objects.filter(pk=program.pk).update(
        valuation_subsidy_share=Decimal("0.7"),
        valuation_subsidy_cap=Decimal("5000000"),
        valuation_budget=Decimal("10000000"),
    )
    application = make_submitted(program)
    Application.objects.filter(pk=application.pk).update(status="valuation")
    application.refresh_from_db()
    return application


@pytest.fixture
def valuer_user(firm):
    return make_user(Role.VALUER, firm)


def _report(order, user, value="1000000000", valid_until=None):
    lines = [
        {
            "asset": asset,
            "method": "income",
            "value": Decimal(value),
            "value_low": Decimal(value) * Decimal("0.8"),
            "value_high": Decimal(value) * Decimal("1.2"),
        }
        for asset in order.assets.all()
    ]
    return services.valuation_report_submit(
        order=order,
        actor=user,
        lines=lines,
        assumptions="5% royalty",
        technology_grade="A",
        valid_until=valid_until or date.today() + timedelta(365),
        pdf=SimpleUploadedFile("signed.pdf", PDF_BYTES),
    )


def test_the_fee_is_split_by_the_programs_share_and_cap(case, officer):
    order = services.valuation_order_create(application=case, actor=officer, fee=Decimal("6000000"))
    assert (order.subsidy, order.applicant_share) == (Decimal("4200000"), Decimal("1800000"))
    capped = services.valuation_order_create(application=case, actor=officer, fee=Decimal("10000000"))
    assert (capped.subsidy, capped.applicant_share) == (Decimal("5000000"), Decimal("5000000"))
    assert order.due_date == date.today() + timedelta(days=case.program.service_level_days("valuation"))


def test_the_whole_order_lifecycle_feeds_the_proposed_amount(case, officer, valuer_user):
    order = services.valuation_order_create(application=case, actor=officer, fee=Decimal("1000000"))
    services.valuation_order_accept(order=order, actor=valuer_user)
    assert Program.objects.get(pk=case.program_id).valuation_budget_used == Decimal("700000")
    _report(order, valuer_user, value="100000000")
    services.valuation_order_return(order=order, actor=officer, comments="Explain the royalty rate")
    _report(order, valuer_user, value="120000000")
    services.valuation_order_agency_accept(order=order, actor=officer)
    assert accepted_valuation_total(application=case) == Decimal("120000000")
    proposal = case_proposed_amount(application=case)
    assert proposal.binding_rule == "advance_rate" and proposal.amount == Decimal("60000000")  # 50% × 120 m


def test_an_expired_valuation_no_longer_counts(case, officer, valuer_user):
    order = services.valuation_order_create(application=case, actor=officer, fee=Decimal("1000000"))
    services.valuation_order_accept(order=order, actor=valuer_user)
    _report(order, valuer_user, valid_until=date.today() + timedelta(days=10))
    services.valuation_order_agency_accept(order=order, actor=officer)
    with freeze_time(date.today() + timedelta(days=11)):
        assert accepted_valuation_total(application=case) is None


@pytest.mark.parametrize("status", list(OrderStatus.values))
@pytest.mark.parametrize("action", ["accept", "decline", "agency_accept", "return", "cancel"])
def test_moves_outside_the_table_are_refused(case, officer, valuer_user, status, action):
    order = services.valuation_order_create(application=case, actor=officer, fee=Decimal("1000"))
    ValuationOrder.objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()
    call = {
        "accept": lambda: services.valuation_order_accept(order=order, actor=valuer_user),
        "decline": lambda: services.valuation_order_decline(order=order, actor=valuer_user, reason="busy"),
        "agency_accept": lambda: services.valuation_order_agency_accept(order=order, actor=officer),
        "return": lambda: services.valuation_order_return(order=order, actor=officer, comments="redo"),
        "cancel": lambda: services.valuation_order_cancel(order=order, actor=officer),
    }[action]
    if TRANSITIONS.get(status, action):
        call()
        order.refresh_from_db()
        assert order.status == TRANSITIONS.target(status, action)
    else:
        with pytest.raises(IllegalTransition):
            call()


def test_cancelling_gives_the_drawn_subsidy_back(case, officer, valuer_user):
    order = services.valuation_order_create(application=case, actor=officer, fee=Decimal("1000000"))
    services.valuation_order_accept(order=order, actor=valuer_user)
    services.valuation_order_cancel(order=order, actor=officer)
    assert Program.objects.get(pk=case.program_id).valuation_budget_used == 0


def test_only_panel_valuers_and_only_the_addressed_firm(case, officer, valuer_user):
    outsider = OrganizationFactory(kind=OrganizationKind.VALUER)
    with pytest.raises(InvalidInput):
        services.valuation_order_create(application=case, actor=officer, fee=Decimal("1000"), valuer=outsider)
    order = services.valuation_order_create(application=case, actor=officer, fee=Decimal("1000"))
    with pytest.raises(PermissionRefused):
        services.valuation_order_accept(order=order, actor=make_user(Role.VALUER, outsider))


def test_a_report_must_value_every_asset_within_its_range_with_a_real_pdf(case, officer, valuer_user):
    order = services.valuation_order_create(application=case, actor=officer, fee=Decimal("1000"))
    services.valuation_order_accept(order=order, actor=valuer_user)
    asset = order.assets.first()
    bad_range = [
        {
            "asset": asset,
            "method": "cost",
            "value": Decimal(10),
            "value_low": Decimal(20),
            "value_high": Decimal(30),
        }
    ]
    with pytest.raises(InvalidInput):
        services.valuation_report_submit(
            order=order,
            actor=valuer_user,
            lines=bad_range,
            assumptions="x",
            technology_grade="A",
            valid_until=date.today() + timedelta(1),
            pdf=SimpleUploadedFile("r.pdf", PDF_BYTES),
        )
    good = [
        {
            "asset": asset,
            "method": "cost",
            "value": Decimal(20),
            "value_low": Decimal(10),
            "value_high": Decimal(30),
        }
    ]
    with pytest.raises(InvalidInput):
        services.valuation_report_submit(
            order=order,
            actor=valuer_user,
            lines=good,
            assumptions="x",
            technology_grade="A",
            valid_until=date.today() + timedelta(1),
            pdf=SimpleUploadedFile("r.pdf", b"not a pdf at all"),
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.ACCEPTED and order.reports.count() == 0


def test_valuer_firm_b_gets_404_on_firm_as_orders(client, case, officer, valuer_user):
    order = services.valuation_order_create(application=case, actor=officer, fee=Decimal("1000"))
    other = make_user(Role.VALUER, OrganizationFactory(kind=OrganizationKind.VALUER))
    client.force_login(other)
    assert client.get(f"/valuations/orders/{order.pk}/").status_code == 404
    assert client.post(f"/valuations/orders/{order.pk}/accept/").status_code == 404
    assert list(client.get("/valuations/orders/").context["orders"]) == []
    client.force_login(valuer_user)
    assert client.get(f"/valuations/orders/{order.pk}/").status_code == 200
    assert client.post(f"/valuations/orders/{order.pk}/accept/").status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.ACCEPTED


@freeze_time("2026-03-02 09:00:00")
def test_the_order_list_runs_a_constant_number_of_queries(client, case, officer, valuer_user):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/valuations/orders/").status_code == 200
        return len(ctx)

    client.force_login(valuer_user)
    services.valuation_order_create(application=case, actor=officer, fee=Decimal("1000"))
    client.get("/valuations/orders/")  # the session's activity stamp (once a minute) is not what is counted
    one = count()
    for _ in range(20):
        services.valuation_order_create(application=case, actor=officer, fee=Decimal("1000"))
    assert count() == one


def test_monitoring_flags_expiring_valuations_of_pledged_assets_and_lapsed_ip_once(
    case, officer, valuer_user
):
    order = services.valuation_order_create(application=case, actor=officer, fee=Decimal("1000"))
    services.valuation_order_accept(order=order, actor=valuer_user)
    _report(order, valuer_user, valid_until=date.today() + timedelta(days=200))
    services.valuation_order_agency_accept(order=order, actor=officer)
    IPAsset.objects.filter(pk__in=order.assets.all()).update(encumbrance="pledged")
    assert services.valuations_monitor(today=date.today()) == []
    flags = services.valuations_monitor(today=date.today() + timedelta(days=150))
    assert [f.code for f in flags] == ["valuation_expiring"]
    IPAsset.objects.filter(pk__in=order.assets.all()).update(status="lapsed")
    assert [f.code for f in services.valuations_monitor(today=date.today() + timedelta(days=151))] == [
        "asset_lapsed"
    ]
    assert services.valuations_monitor(today=date.today() + timedelta(days=152)) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_acceptances_never_overdraw_the_valuation_budget(program, firm):
    program.valuer_panel.add(firm)
    Program.objects.filter(pk=program.pk).update(
        valuation_subsidy_share=1, valuation_subsidy_cap=1000, valuation_budget=1500
    )
    officer = program.officers.first()
    valuers = [make_user(Role.VALUER, firm) for _ in range(3)]
    orders = []
    for _ in range(3):
        application = make_submitted(Program.objects.get(pk=program.pk))
        Application.objects.filter(pk=application.pk).update(status="valuation")
        application.refresh_from_db()
        orders.append(
            services.valuation_order_create(application=application, actor=officer, fee=Decimal("1000"))
        )
    barrier, outcomes = threading.Barrier(3), []

    def accept(order, user):
        try:
            barrier.wait()
            services.valuation_order_accept(order=order, actor=user)
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=pair) for pair in zip(orders, valuers, strict=True)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(outcomes) == ["ok", "valuation_budget_exhausted", "valuation_budget_exhausted"]
    assert Program.objects.get(pk=program.pk).valuation_budget_used == 1000


def test_overdue_orders_are_flagged_once(case, officer):
    order = services.valuation_order_create(application=case, actor=officer, fee=Decimal("1000"))
    assert services.valuations_monitor(today=order.due_date) == []
    [flag] = services.valuations_monitor(today=order.due_date + timedelta(days=1))
    assert flag.code == "order_overdue"
    assert services.valuations_monitor(today=order.due_date + timedelta(days=2)) == []


def test_a_valuer_works_the_order_through_the_api(api_client, case, officer, valuer_user):
    import json

    from tests.factories import make_token

    order = services.valuation_order_create(application=case, actor=officer, fee=Decimal("1000"))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(valuer_user)}")
    assert [o["id"] for o in api_client.get("/api/v1/valuation-orders/").json()["results"]] == [order.pk]
    assert api_client.post(f"/api/v1/valuation-orders/{order.pk}/accept/").json()["status"] == "accepted"
    lines = [
        {"asset": a.pk, "method": "income", "value": "100", "value_low": "80", "value_high": "120"}
        for a in order.assets.all()
    ]
    bad = api_client.post(
        f"/api/v1/valuation-orders/{order.pk}/report/",
        {
            "lines": "not json",
            "assumptions": "x",
            "technology_grade": "A",
            "valid_until": "2099-01-01",
            "pdf": SimpleUploadedFile("r.pdf", PDF_BYTES),
        },
        format="multipart",
    )
    assert bad.status_code == 400
    done = api_client.post(
        f"/api/v1/valuation-orders/{order.pk}/report/",
        {
            "lines": json.dumps(lines),
            "assumptions": "x",
            "technology_grade": "A",
            "valid_until": "2099-01-01",
            "pdf": SimpleUploadedFile("r.pdf", PDF_BYTES),
        },
        format="multipart",
    )
    assert done.status_code == 200 and done.json()["status"] == "submitted"
    assert done.json()["latest_report"]["total_value"] == str(Decimal(100) * len(lines)) + ".00"
    again = api_client.post(f"/api/v1/valuation-orders/{order.pk}/accept/")
    assert again.status_code == 409


def test_the_calculator_page_shows_every_line(client, valuer_user):
    from valuations.calculators import DEFAULT_INDICATORS

    client.force_login(valuer_user)
    page = client.get(
        "/valuations/calculator/?calc=royalty&revenues=1000,1000,1000&royalty_rate=0.05&tax_rate=0.2"
        "&discount_rate=0.1&expiry_date=2099-01-01"
    )
    assert page.context["results"]["royalty"]["total"] == 99  # 36 + 33 + 30
    cost = client.get(
        "/valuations/calculator/?calc=cost&reproduction_cost=1000&physical=0.1&functional=0.2&economic=0"
    )
    assert cost.context["results"]["cost"]["value"] == 720
    ratings = {f"{area}:{name}": 5 for area, names in DEFAULT_INDICATORS.items() for name in names}
    graded = client.get("/valuations/calculator/", {"calc": "scorecard", **ratings})
    assert graded.context["results"]["scorecard"]["grade"] == "AAA"
    bad = client.get(
        "/valuations/calculator/?calc=royalty&revenues=abc&royalty_rate=2&tax_rate=0&discount_rate=0"
        "&expiry_date=x"
    )
    assert bad.status_code == 200 and bad.context["results"] == {}


def test_the_valuer_firm_cannot_take_the_officers_moves_and_the_status_stays(case, officer, valuer_user):
    order = services.valuation_order_create(application=case, actor=officer, fee=Decimal("1000"))
    with pytest.raises(PermissionRefused):
        move(obj=order, table=TRANSITIONS, action="cancel", actor=valuer_user)
    order.refresh_from_db()
    assert order.status == OrderStatus.ORDERED
    assert TRANSITIONS.get(OrderStatus.ORDERED, "cancel").roles == {Role.CASE_OFFICER}
