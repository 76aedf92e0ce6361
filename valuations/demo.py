"""A valuation ordered for the biotech's case and delivered by the demo valuer, awaiting the officer (idempotent)."""

from datetime import date, timedelta
from decimal import Decimal as D

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.demo import organization
from accounts.models import User
from applications.demo import DEMO_PDF
from applications.models import Application, Status

from . import services


def deliver(application, officer, valuer_user, *, fee, value_per_asset, grade, accept=False):
    """Order, accept and report a valuation through the services (used by later demo steps too)."""
    order = services.valuation_order_create(
        application=application, actor=officer, fee=fee, valuer=organization("VALUE")
    )
    services.valuation_order_accept(order=order, actor=valuer_user)
    lines = [
        {
            "asset": a,
            "method": "income",
            "value": value_per_asset,
            "value_low": value_per_asset * D("0.8"),
            "value_high": value_per_asset * D("1.25"),
        }
        for a in order.assets.all()
    ]
    services.valuation_report_submit(
        order=order,
        actor=valuer_user,
        lines=lines,
        technology_grade=grade,
        assumptions="Relief from royalty: 4.5% royalty, 22% tax, 15% discount rate.",
        valid_until=date.today() + timedelta(days=365),
        pdf=SimpleUploadedFile("signed-valuation.pdf", DEMO_PDF),
    )
    if accept:
        services.valuation_order_agency_accept(order=order, actor=officer)
    return order


def seed(stdout):
    officer = User.objects.filter(email="officer@demo.ipfin.kr").first()
    valuer_user = User.objects.filter(email="valuer@demo.ipfin.kr").first()
    case = Application.objects.filter(program__code="KIPO", status=Status.VALUATION).first()
    if officer and valuer_user and case and not case.valuation_orders.exists():
        deliver(case, officer, valuer_user, fee=D("12000000"), value_per_asset=D("600000000"), grade="A")
        stdout.write(f"Valuation delivered for {case.reference}, awaiting the officer's review.\n")
