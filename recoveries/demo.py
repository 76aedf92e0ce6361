"""The agency's buyer registry: two buyers registered by the officer and verified by the approver (idempotent)."""

from accounts.demo import ensure_user, organization
from accounts.models import Organization, User
from accounts.roles import OrganizationKind, Role

from . import services
from .models import Buyer, BuyerStatus

BUYER_EMAIL = "buyer@demo.ipfin.kr"


def ensure_buyers():
    """The verified buyers of the demo agency, [(organisation, a user who bids for it)]; [] without the staff."""
    officer = User.objects.filter(email="officer@demo.ipfin.kr").first()
    approver = User.objects.filter(email="approver@demo.ipfin.kr").first()
    manager = User.objects.filter(email="fundmanager@demo.ipfin.kr").first()
    if not (officer and approver and manager):
        return []
    fund, _ = Organization.objects.get_or_create(
        short_code="IPRF",
        defaults={"name": "IP Recovery Fund (demo)", "kind": OrganizationKind.FUND_MANAGER, "country": "KR"},
    )
    buyer_user = ensure_user(BUYER_EMAIL, "Soo-ah Han", fund, Role.FUND_MANAGER)
    agency = organization("KIPO")
    pairs = [(fund, buyer_user), (organization("KVIC"), manager)]
    for org, _user in pairs:
        buyer = Buyer.objects.filter(agency=agency, organization=org).first()
        if buyer is None:
            buyer = services.buyer_register(
                agency=agency, organization=org, actor=officer, note="Checked against the registry (demo)."
            )
        if buyer.status == BuyerStatus.PENDING:
            services.buyer_verify(buyer=buyer, actor=approver)
    return pairs


def seed(stdout):
    if ensure_buyers():
        stdout.write(
            f"Buyer registry: two verified buyers; {BUYER_EMAIL} bids for IP Recovery Fund (demo).\n"
        )
