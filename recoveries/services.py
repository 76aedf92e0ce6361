"""Claim, takeover, disposal and allocation of the proceeds."""

from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import AGENCY_ROLES, OrganizationKind, Role
from applications.models import Encumbrance, IPAsset
from audit.services import audit_record
from core.errors import Conflict, InvalidInput, PermissionRefused
from facilities.models import Facility, FacilityStatus
from facilities.schedules import allocate

from .models import Bid, Buyer, BuyerStatus, Channel, Claim, Disposal

CLAIM_CHECKLIST = [
    "default notice sent",
    "collection efforts documented",
    "pledge registration attached",
    "loan statement attached",
]
WRITE_OFF_REASONS = {"W10": "Proceeds below exposure", "W20": "No buyer found", "W30": "IP lapsed or invalid"}
MAX_BID_WINDOW = timedelta(days=30)


def _event(facility, actor, action, **kwargs):
    audit_record(
        actor=actor, action=f"recovery.{action}", target=facility, case=facility.application, **kwargs
    )


def _agency_check(facility, actor):
    if facility.application.program.agency not in actor.organizations_for(*AGENCY_ROLES):
        raise PermissionRefused(_("Only the program's agency does this."))


@transaction.atomic
def claim_file(*, facility, actor, checklist):
    """The bank claims on a defaulted guaranteed facility with its checklist complete."""
    facility = (
        Facility.objects.select_for_update().select_related("lender", "application").get(pk=facility.pk)
    )
    if facility.lender not in actor.organizations_for(Role.LENDER_OFFICER):
        raise PermissionRefused(_("This facility belongs to another bank."))
    if not facility.is_guaranteed:
        raise Conflict(_("Only guaranteed facilities can be claimed on."), code="not_guaranteed")
    if facility.status != FacilityStatus.DEFAULTED:
        raise Conflict(_("A claim needs a defaulted facility."), code="not_defaulted")
    missing = [item for item in CLAIM_CHECKLIST if not checklist.get(item)]
    if missing:
        raise InvalidInput(
            _("The checklist is incomplete: %(list)s.") % {"list": ", ".join(missing)},
            code="checklist_incomplete",
            details={"missing": missing},
        )
    amount = (facility.exposure_at_default * facility.coverage_ratio).quantize(
        Decimal("1") if facility.currency in ("KRW", "JPY") else Decimal("0.01")
    )
    try:
        with transaction.atomic():
            claim = Claim.objects.create(
                facility=facility, filed_by=actor, checklist=checklist, amount_claimed=amount
            )
    except IntegrityError:
        raise Conflict(_("A claim is filed already."), code="duplicate_claim")
    _event(facility, actor, "claim_filed", details={"amount": amount})
    return claim


@transaction.atomic
def claim_pay(*, claim, actor):
    """Pay coverage × exposure at default exactly once (conditional UPDATE), record subrogation, take over the IP."""
    facility = claim.facility
    _agency_check(facility, actor)
    now = timezone.now()
    paid = Claim.objects.filter(pk=claim.pk, status="filed").update(
        status="paid",
        amount_paid=claim.amount_claimed,
        paid_at=now,
        paid_by=actor,
        subrogation_note=_("The agency is subrogated to the bank's rights for the amount paid."),
    )
    if not paid:
        raise Conflict(_("This claim is paid already."), code="already_paid")
    Facility.objects.filter(pk=facility.pk).update(status=FacilityStatus.CLAIM_PAID)
    taken = []
    for pledge in facility.pledges.filter(live=True).select_related("asset"):
        if IPAsset.objects.filter(pk=pledge.asset_id, encumbrance=Encumbrance.PLEDGED).update(
            encumbrance=Encumbrance.TAKEN_OVER
        ):
            taken.append(str(pledge.asset))
    claim.refresh_from_db()
    _event(
        facility,
        actor,
        "claim_paid",
        old_state=FacilityStatus.DEFAULTED,
        new_state=FacilityStatus.CLAIM_PAID,
        details={"amount": claim.amount_paid, "taken_over": taken},
    )
    return claim


@transaction.atomic
def disposal_open(
    *,
    facility,
    actor,
    channel,
    assets=None,
    reappraised_value=None,
    opening_price=None,
    bids_close_on=None,
    reappraisal_fee=None,
):
    """Start selling or licensing the IP. Guaranteed facilities after the claim; direct loans on the bank's behalf.

    With ``reappraisal_fee`` a new valuation of the assets is ordered from the program's panel (re-appraisal)."""
    facility = Facility.objects.select_for_update().select_related("application__program").get(pk=facility.pk)
    _agency_check(facility, actor)
    allowed = (FacilityStatus.CLAIM_PAID,) if facility.is_guaranteed else (FacilityStatus.DEFAULTED,)
    if facility.status not in allowed and facility.status != FacilityStatus.IN_DISPOSAL:
        raise Conflict(
            _("The IP can be disposed of after default (and the claim, for guaranteed loans)."),
            code="not_ready_for_disposal",
        )
    if channel == Channel.AUCTION:
        if not opening_price or not bids_close_on:
            raise InvalidInput(
                _("An auction needs an opening price and a closing date."), code="auction_terms"
            )
        if not timezone.localdate() < bids_close_on <= timezone.localdate() + MAX_BID_WINDOW:
            raise InvalidInput(
                _("The bid window is at most 30 days."),
                code="bid_window",
                details={"bids_close_on": [_("within 30 days")]},
            )
    disposal = Disposal.objects.create(
        facility=facility,
        channel=channel,
        reappraised_value=reappraised_value,
        opening_price=opening_price,
        bids_close_on=bids_close_on,
        created_by=actor,
    )
    disposal.assets.set(assets if assets is not None else [p.asset for p in facility.pledges.all()])
    if reappraisal_fee:
        from valuations.services import valuation_order_create

        order = valuation_order_create(
            application=facility.application,
            actor=actor,
            fee=reappraisal_fee,
            assets=list(disposal.assets.all()),
            purpose="reappraisal",
        )
        Disposal.objects.filter(pk=disposal.pk).update(reappraisal_order=order)
    Facility.objects.filter(pk=facility.pk).update(status=FacilityStatus.IN_DISPOSAL)
    _event(
        facility,
        actor,
        "disposal_opened",
        new_state=FacilityStatus.IN_DISPOSAL,
        details={"channel": channel, "opening_price": opening_price, "reappraised_value": reappraised_value},
    )
    return disposal


def _bidding_for(*, disposal, actor, buyer):
    """The verified registration the actor bids for, or PermissionRefused saying why not."""
    facility = disposal.facility
    agency = facility.application.program.agency
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.has_role(Role.OFFICIAL):
        raise PermissionRefused(_("Oversight officials do not bid."), code="not_a_buyer")
    own = {m.organization for m in actor.active_memberships}
    excluded = {facility.lender, facility.application.company.organization, agency}
    if own & excluded:
        raise PermissionRefused(
            _("The program's agency, the defaulted company and its bank do not bid for this IP."),
            code="conflicted_bidder",
        )
    registrations = Buyer.objects.filter(
        agency=agency, status=BuyerStatus.VERIFIED, organization__in=own
    ).select_related("organization")
    if buyer is not None:
        registrations = registrations.filter(pk=buyer.pk)
    registrations = list(registrations)
    if not registrations:
        raise PermissionRefused(
            _("Only buyers registered and verified by the agency bid."), code="not_a_buyer"
        )
    if len(registrations) > 1:
        raise InvalidInput(_("Choose the organisation you bid for."), code="choose_buyer")
    return registrations[0]


@transaction.atomic
def bid_place(*, disposal, actor, amount, buyer=None):
    """A bid by a member of a buyer the program's agency verified; writes ``recovery.bid``.

    Never from the defaulted company, the facility's bank, the agency itself or an oversight official. Raises
    PermissionRefused, Conflict (bidding closed) or InvalidInput (below the opening price)."""
    locked = (
        Disposal.objects.select_for_update()
        .select_related("facility__lender", "facility__application__company__organization")
        .select_related("facility__application__program__agency")
        .get(pk=disposal.pk)
    )
    registration = _bidding_for(disposal=locked, actor=actor, buyer=buyer)
    if locked.status != "open":
        raise Conflict(_("Bidding is closed."), code="bidding_closed")
    if locked.bids_close_on and timezone.localdate() > locked.bids_close_on:
        raise Conflict(_("The bid window has closed."), code="bidding_closed")
    if locked.opening_price and Decimal(amount) < locked.opening_price:
        raise InvalidInput(
            _("Bids start at %(p)s.") % {"p": locked.opening_price}, code="below_opening_price"
        )
    bidder = registration.organization.name[:200]
    bid = Bid.objects.create(
        disposal=locked, bidder=bidder, buyer=registration, placed_by=actor, amount=amount
    )
    _event(
        locked.facility,
        actor,
        "bid",
        organization=registration.organization,
        details={"bidder": bidder, "buyer": registration.pk, "amount": amount},
    )
    return bid


# --- the buyer registry: organisations an agency allows to bid --------------------------------------------------

BUYER_KINDS = frozenset({OrganizationKind.COMPANY, OrganizationKind.FUND_MANAGER, OrganizationKind.LENDER})
BUYER_VERIFIERS = (Role.APPROVER, Role.ADMINISTRATOR)


def _buyer_event(buyer, actor, action, **kwargs):
    audit_record(actor=actor, action=f"recovery.buyer_{action}", target=buyer, case=buyer.agency, **kwargs)


@transaction.atomic
def buyer_register(*, agency, organization, actor, note=""):
    """Agency staff put an organisation on the agency's buyer registry, awaiting verification; writes
    ``recovery.buyer_registered``. Raises PermissionRefused, InvalidInput (a kind that may not buy) or Conflict."""
    # an administrator of an oversight body holds an agency role's name in an organisation that is no agency
    if agency.kind != OrganizationKind.AGENCY or agency not in actor.organizations_for(*AGENCY_ROLES):
        raise PermissionRefused(_("Only the agency's staff register its buyers."))
    if organization.kind not in BUYER_KINDS or not organization.is_active:
        raise InvalidInput(
            _("Companies, fund managers and banks may be registered as buyers."),
            code="not_a_buyer_kind",
            details={"organization": [_("this organisation cannot buy IP")]},
        )
    try:
        with transaction.atomic():
            buyer = Buyer.objects.create(
                agency=agency, organization=organization, note=note[:300], registered_by=actor
            )
    except IntegrityError:
        raise Conflict(
            _("%(org)s is on the registry already.") % {"org": organization.name},
            code="duplicate_buyer",
            details={"organization": [_("registered already")]},
        )
    _buyer_event(
        buyer, actor, "registered", new_state=buyer.status, details={"organization": organization.name}
    )
    return buyer


@transaction.atomic
def buyer_verify(*, buyer, actor):
    """An approver or administrator of the agency, not the person who registered it, verifies a buyer (it may
    then bid); writes ``recovery.buyer_verified``. Raises PermissionRefused or Conflict."""
    if buyer.agency.kind != OrganizationKind.AGENCY or buyer.agency not in actor.organizations_for(
        *BUYER_VERIFIERS
    ):
        raise PermissionRefused(_("An approver of the agency verifies its buyers."))
    if buyer.registered_by_id == actor.pk:
        raise PermissionRefused(_("Another person than the one who registered the buyer verifies it."))
    now = timezone.now()
    if not Buyer.objects.filter(pk=buyer.pk, status=BuyerStatus.PENDING).update(
        status=BuyerStatus.VERIFIED, verified_by=actor, verified_at=now
    ):
        raise Conflict(_("Only a buyer awaiting verification is verified."), code="not_pending")
    buyer.refresh_from_db()
    _buyer_event(buyer, actor, "verified", old_state=BuyerStatus.PENDING, new_state=buyer.status)
    return buyer


@transaction.atomic
def buyer_revoke(*, buyer, actor, reason=""):
    """The agency takes a buyer off the registry (it bids no more; its past bids stay); writes
    ``recovery.buyer_revoked``. Raises PermissionRefused or Conflict."""
    if buyer.agency not in actor.organizations_for(*BUYER_VERIFIERS):
        raise PermissionRefused(_("An approver of the agency revokes its buyers."))
    locked = Buyer.objects.select_for_update().get(pk=buyer.pk)
    if locked.status == BuyerStatus.REVOKED:
        raise Conflict(_("This buyer is revoked already."), code="already_revoked")
    old = locked.status
    locked.status = BuyerStatus.REVOKED
    locked.save(update_fields=["status"])
    _buyer_event(
        locked, actor, "revoked", old_state=old, new_state=locked.status, details={"comment": reason}
    )
    return locked


@transaction.atomic
def disposal_award(*, disposal, actor, bid=None):
    _agency_check(disposal.facility, actor)
    locked = Disposal.objects.select_for_update().get(pk=disposal.pk)
    bid = bid or locked.bids.order_by("-amount", "placed_at").first()
    if locked.status != "open" or bid is None:
        raise Conflict(_("Nothing to award."), code="nothing_to_award")
    Disposal.objects.filter(pk=locked.pk).update(status="awarded", awarded_bid=bid)
    _event(locked.facility, actor, "awarded", details={"bidder": bid.bidder, "amount": bid.amount})
    return bid


def losses(facility):
    """(agency loss, bank loss) at default: the covered and the uncovered share of the exposure."""
    ead = facility.exposure_at_default or Decimal(0)
    covered = (ead * facility.coverage_ratio) if facility.is_guaranteed else Decimal(0)
    return covered, ead - covered


@transaction.atomic
def disposal_close(*, disposal, actor, proceeds, write_off_reason=""):
    """Close with the proceeds: shared in proportion to the losses (parts sum to the whole), the rest written off."""
    facility = disposal.facility
    _agency_check(facility, actor)
    locked = Disposal.objects.select_for_update().get(pk=disposal.pk)
    if locked.status == "closed":
        raise Conflict(_("The disposal is closed already."), code="already_closed")
    proceeds = Decimal(proceeds)
    if proceeds < 0:
        raise InvalidInput(_("Proceeds cannot be negative."), code="invalid_amount")
    agency_loss, bank_loss = losses(facility)
    weights = [agency_loss, bank_loss] if agency_loss + bank_loss > 0 else [0, 1]
    if weights[0] == 0:
        agency_share, bank_share = Decimal(0), proceeds
    else:
        agency_share, bank_share = allocate(proceeds, weights, facility.currency)
    remainder = max(Decimal(0), (facility.exposure_at_default or 0) - proceeds)
    if remainder > 0 and write_off_reason not in WRITE_OFF_REASONS:
        raise InvalidInput(
            _("Give a write-off reason for the unrecovered %(r)s.") % {"r": remainder},
            code="write_off_reason",
            details={"write_off_reason": list(WRITE_OFF_REASONS)},
        )
    Disposal.objects.filter(pk=locked.pk).update(
        status="closed",
        proceeds=proceeds,
        agency_share=agency_share,
        bank_share=bank_share,
        write_off=remainder,
        write_off_reason=write_off_reason if remainder else "",
        closed_on=timezone.localdate(),
    )
    for asset in locked.assets.all():
        IPAsset.objects.filter(pk=asset.pk).update(encumbrance=Encumbrance.DISPOSED)
    Facility.objects.filter(pk=facility.pk).update(
        status=FacilityStatus.CLOSED, closed_on=timezone.localdate()
    )
    _event(
        facility,
        actor,
        "closed",
        old_state=FacilityStatus.IN_DISPOSAL,
        new_state=FacilityStatus.CLOSED,
        details={
            "proceeds": proceeds,
            "agency_share": agency_share,
            "bank_share": bank_share,
            "write_off": remainder,
            "reason": write_off_reason,
        },
    )
    locked.refresh_from_db()
    return locked


def recovery_figures(facility, disposals):
    """Recovery rate and loss given default of one facility."""
    ead = facility.exposure_at_default
    if not ead:
        return {"recovered": None, "recovery_rate": None, "lgd": None}
    recovered = sum((d.proceeds or 0 for d in disposals if d.status == "closed"), Decimal(0))
    rate = (recovered / ead).quantize(Decimal("0.0001"))
    return {"recovered": recovered, "recovery_rate": rate, "lgd": 1 - rate}
