"""The guarantee agency's buyer registry (two buyers registered by its officer and verified by its approver) and the
recovery of the demo's defaulted guaranteed loan by the program's own agency: claim, takeover, sale and allocation.
Idempotent."""

from decimal import Decimal as D

from accounts.demo import ensure_user, organization
from accounts.models import Organization, User
from accounts.roles import OrganizationKind, Role
from facilities.models import Facility, FacilityStatus
from programs.models import Program

from . import services
from .models import Buyer, BuyerStatus

BUYER_EMAIL = "buyer@demo.ipfin.kr"


def agency_staff(agency):
    """(case officer, approver) of ``agency`` in the demo; (None, None) before accounts/demo.py ran."""
    members = User.objects.filter(is_active=True, memberships__organization=agency)
    return (
        members.filter(memberships__role=Role.CASE_OFFICER).first(),
        members.filter(memberships__role=Role.APPROVER).first(),
    )


def _guarantee_agency():
    """The agency running the demo's guarantee program (KIBO), None before programs/demo.py ran."""
    program = Program.objects.filter(code="KIBO").select_related("agency").first()
    return program.agency if program else None


def ensure_buyers():
    """The verified buyers of the guarantee agency, [(organisation, a user who bids for it)]; [] without the staff."""
    agency = _guarantee_agency()
    officer, approver = agency_staff(agency) if agency else (None, None)
    manager = User.objects.filter(email="fundmanager@demo.ipfin.kr").first()
    if not (officer and approver and manager):
        return []
    fund, _ = Organization.objects.get_or_create(
        short_code="IPRF",
        defaults={"name": "IP Recovery Fund (demo)", "kind": OrganizationKind.FUND_MANAGER, "country": "KR"},
    )
    buyer_user = ensure_user(BUYER_EMAIL, "Soo-ah Han", fund, Role.FUND_MANAGER)
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
    _recovery_story(stdout)


def _defaulted_guarantee():
    """The demo's guaranteed loan in default (facilities/demo.py), not yet claimed on; None when there is none."""
    return (
        Facility.objects.filter(
            application__program__code="KIBO", status=FacilityStatus.DEFAULTED, claim__isnull=True
        )
        .select_related("lender", "application__program__agency")
        .first()
    )


def _claim_paid(facility, banker, officer, approver):
    """Four eyes where money leaves: the bank files, the officer asks, the approver confirms the amounts shown."""
    claim = services.claim_file(
        facility=facility, actor=banker, checklist={item: True for item in services.CLAIM_CHECKLIST}
    )
    move = services.claim_payment_request(claim=claim, actor=officer)
    services.money_move_confirm(move=move, actor=approver)


def _sold(facility, officer, approver):
    """A marketplace listing (an auction could only be awarded after its bid window closes), two verified buyers'
    bids, the award and the close with the proceeds allocated, each confirmed by the approver."""
    disposal = services.disposal_open(
        facility=facility,
        actor=officer,
        channel="marketplace",
        reappraised_value=D("260000000"),
        opening_price=D("150000000"),
    )
    (_fund, buyer_user), (_manager_org, manager) = ensure_buyers()
    services.bid_place(disposal=disposal, actor=manager, amount=D("180000000"))
    services.bid_place(disposal=disposal, actor=buyer_user, amount=D("205000000"))
    move = services.disposal_award_request(disposal=disposal, actor=officer)
    services.money_move_confirm(move=move, actor=approver)
    move = services.disposal_close_request(
        disposal=disposal, actor=officer, proceeds=D("205000000"), costs=D("5000000"), write_off_reason="W10"
    )
    services.money_move_confirm(move=move, actor=approver)


def _recovery_story(stdout):
    facility = _defaulted_guarantee()
    if facility is None:
        return
    officer, approver = agency_staff(facility.application.program.agency)
    banker = User.objects.filter(
        is_active=True, memberships__organization=facility.lender, memberships__role=Role.LENDER_OFFICER
    ).first()
    if not (banker and officer and approver):
        return
    _claim_paid(facility, banker, officer, approver)
    _sold(facility, officer, approver)
    stdout.write(
        "Recoveries: the defaulted guaranteed loan taken through claim, takeover, sale and allocation by the "
        "guarantee agency (each payment asked by its officer and confirmed by its approver).\n"
    )
