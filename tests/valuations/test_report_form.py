"""The valuer's report form and calculator: no grade chosen for the valuer, the calculator filled in from the order."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import OrganizationKind, Role
from applications.models import CompanyFinancialYear, IPAsset
from tests.factories import PDF_BYTES, OrganizationFactory, make_user
from tests.valuations.test_orders import case, firm, valuer_user  # noqa: F401 (fixtures)
from valuations import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(case, officer, valuer_user):  # noqa: F811
    order = services.valuation_order_create(application=case, actor=officer, fee=Decimal("3000000"))
    return services.valuation_order_accept(order=order, actor=valuer_user)


def _report_data(order, **overrides):
    data = {"assumptions": "Relief from royalty", "valid_until": "2099-01-01"}
    for asset in order.assets.all():
        data |= {f"method_{asset.pk}": "income", f"value_{asset.pk}": "100", f"low_{asset.pk}": "80"}
        data[f"high_{asset.pk}"] = "120"
    return data | overrides


def test_the_report_form_has_no_grade_chosen_and_refuses_a_report_without_one(client, accepted, valuer_user):  # noqa: F811
    client.force_login(valuer_user)
    page = client.get(f"/valuations/orders/{accepted.pk}/").content.decode()
    assert '<option value="" selected>' in page
    response = client.post(
        f"/valuations/orders/{accepted.pk}/report/",
        _report_data(accepted, pdf=SimpleUploadedFile("r.pdf", PDF_BYTES)),
    )
    assert response.status_code == 400
    accepted.refresh_from_db()
    assert accepted.status == "accepted" and accepted.reports.count() == 0


def test_a_report_with_its_grade_is_accepted_and_the_message_says_the_value(client, accepted, valuer_user):  # noqa: F811
    client.force_login(valuer_user)
    response = client.post(
        f"/valuations/orders/{accepted.pk}/report/",
        _report_data(accepted, technology_grade="BB", pdf=SimpleUploadedFile("r.pdf", PDF_BYTES)),
    )
    assert response.status_code == 302
    total = 100 * accepted.assets.count()
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == (
        f"Valuation report for {accepted.application.reference} submitted: {total} KRW, technology grade BB."
    )


def test_the_calculator_opened_from_an_order_is_filled_in_from_it(client, accepted, valuer_user):  # noqa: F811
    company = accepted.application.company
    CompanyFinancialYear.objects.create(company=company, year=2024, revenue=Decimal("900000000"))
    CompanyFinancialYear.objects.create(company=company, year=2025, revenue=Decimal("1100000000"))
    IPAsset.objects.filter(pk__in=accepted.assets.all()).update(expiry_date=date(2040, 5, 1))
    client.force_login(valuer_user)
    page = client.get(f"/valuations/calculator/?order={accepted.pk}")
    form = page.context["forms"]["royalty"]
    assert form.initial["revenues"] == "900000000, 1100000000"
    assert form.initial["expiry_date"] == date(2040, 5, 1)
    assert accepted.application.reference in page.content.decode()


def test_another_firms_order_cannot_fill_in_the_calculator(client, accepted):
    outsider = make_user(Role.VALUER, OrganizationFactory(kind=OrganizationKind.VALUER))
    client.force_login(outsider)
    assert client.get(f"/valuations/calculator/?order={accepted.pk}").status_code == 404
    assert client.get("/valuations/calculator/?order=not-a-number").status_code == 404


ROYALTY = {
    "calc": "royalty",
    "revenues": "1000, 1000, 1000",
    "royalty_rate": "0.05",
    "tax_rate": "0.2",
    "discount_rate": "0.1",
    "expiry_date": "2099-01-01",
}


def test_the_valuer_attaches_a_result_and_the_officer_reads_it_on_the_report(
    client,
    accepted,
    valuer_user,  # noqa: F811
    officer,
):
    client.force_login(valuer_user)
    page = client.get("/valuations/calculator/", {**ROYALTY, "order": accepted.pk}).content.decode()
    assert 'data-testid="attach-royalty"' in page
    # the result is computed again from the posted inputs (36 + 33 + 30), never taken from the page
    attached = client.post(f"/valuations/orders/{accepted.pk}/calculations/", {**ROYALTY, "total": "1"})
    assert attached.status_code == 302
    [message] = [str(m) for m in get_messages(attached.wsgi_request)]
    ref = accepted.application.reference
    assert message == f"Relief-from-royalty value 99 KRW attached to the report for {ref}."
    [calculation] = accepted.calculations.all()
    assert (calculation.kind, calculation.result["total"], calculation.report) == ("royalty", "99", None)
    assert (
        calculation.inputs["revenues"] == [1000, 1000, 1000] and calculation.inputs["royalty_rate"] == "0.05"
    )
    client.post(
        f"/valuations/orders/{accepted.pk}/report/",
        _report_data(accepted, technology_grade="BB", pdf=SimpleUploadedFile("r.pdf", PDF_BYTES)),
    )
    calculation.refresh_from_db()
    assert calculation.report == accepted.reports.get()
    client.force_login(officer)
    page = client.get(f"/valuations/orders/{accepted.pk}/").content.decode()
    assert 'data-testid="calculations"' in page and '<span data-testid="calc-value">99 KRW</span>' in page


def test_attaching_is_refused_to_another_firm_to_the_officer_and_after_the_report(
    client,
    accepted,
    valuer_user,  # noqa: F811
    officer,
):
    url = f"/valuations/orders/{accepted.pk}/calculations/"
    outsider = make_user(Role.VALUER, OrganizationFactory(kind=OrganizationKind.VALUER))
    client.force_login(outsider)
    assert client.post(url, ROYALTY).status_code == 404
    client.force_login(officer)
    assert client.post(url, ROYALTY).status_code == 404
    client.force_login(valuer_user)
    assert client.post(url, {**ROYALTY, "royalty_rate": "7"}).status_code == 400  # the form's error, kept
    assert accepted.calculations.count() == 0
    services.valuation_report_submit(
        order=accepted,
        actor=valuer_user,
        lines=[
            {"asset": a, "method": "cost", "value": 1, "value_low": 1, "value_high": 1}
            for a in accepted.assets.all()
        ],
        assumptions="x",
        technology_grade="A",
        valid_until=date(2099, 1, 1),
        pdf=SimpleUploadedFile("r.pdf", PDF_BYTES),
    )
    assert client.post(url, ROYALTY).status_code == 400  # submitted: nothing left to prepare
    assert accepted.calculations.count() == 0


def test_the_scorecard_and_cost_labels_are_in_korean(client, valuer_user):  # noqa: F811
    from django.utils import translation

    client.force_login(valuer_user)
    with translation.override("ko"):
        from valuations.calculators_labels import AREA_LABELS

        legal = str(AREA_LABELS["legal"])
    page = client.get("/valuations/calculator/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert f"{legal}: " in page


def test_a_cost_result_is_attached_with_its_steps_and_shown_with_their_labels(client, accepted, valuer_user):  # noqa: F811
    client.force_login(valuer_user)
    cost = {
        "calc": "cost",
        "reproduction_cost": "1000",
        "physical": "0.1",
        "functional": "0.2",
        "economic": "0",
    }
    assert client.post(f"/valuations/orders/{accepted.pk}/calculations/", cost).status_code == 302
    [calculation] = accepted.calculations.all()
    assert calculation.result["value"] == "720"
    assert calculation.result["steps"][0] == ["reproduction cost", "1000"]
    page = client.get(f"/valuations/orders/{accepted.pk}/").content.decode()
    assert "<li>Reproduction cost: 1,000</li>" in page and "<li>Physical obsolescence: -100</li>" in page
