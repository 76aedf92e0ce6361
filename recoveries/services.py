"""Claim, takeover, disposal and allocation of the proceeds, and the write-off.

Where money leaves (a claim payment, a disposal award, the allocation when a disposal closes, a write-off) one
person asks (``*_request``: a ``MoneyMove`` with the amounts and who receives them) and a different person with
the approver role confirms (``money_move_confirm``), as the case decision does; only the confirmation moves money.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import AGENCY_ROLES, OrganizationKind, Role
from applications.encumbrance import TRANSITIONS as ENCUMBRANCE
from applications.encumbrance import ip_asset_encumbrance_move
from applications.holders import ip_asset_disposed, ip_asset_taken_over
from audit.services import audit_record, transition_recorder
from core.errors import Conflict, InvalidInput, PermissionRefused
from core.money import minor_unit_message, round_money
from core.transitions import move as transition
from facilities.models import AWAITING_DISPOSAL, Facility, FacilityStatus
from facilities.pledges import pledges_release
from facilities.schedules import allocate_proceeds
from facilities.services import facility_move

from .models import (
    BUYER_VERIFIERS,
    MAX_BID_DAYS,
    PART_PAYMENT_REASONS,
    REJECTION_REASONS,
    WRITE_OFF_REASONS,
    Bid,
    Buyer,
    BuyerStatus,
    Channel,
    Claim,
    ClaimStatus,
    Disposal,
    DisposalStatus,
    LateRecovery,
    MoneyMove,
    MoveKind,
    MoveStatus,
)

if TYPE_CHECKING:
    from datetime import date

    from accounts.models import Organization, User
    from applications.models import IPAsset

# a claim's, disposal's or money move's own moves are events of its facility, as all recovery events
_RECORD = transition_recorder(target=lambda obj: obj.facility, case=lambda obj: obj.facility.application)
_BUYER_RECORD = transition_recorder(case=lambda buyer: buyer.agency)

CLAIM_CHECKLIST = [
    "default notice sent",
    "collection efforts documented",
    "pledge registration attached",
    "loan statement attached",
]
MAX_BID_WINDOW = timedelta(days=MAX_BID_DAYS)


def _event(facility, actor, action, **kwargs):
    audit_record(
        actor=actor, action=f"recovery.{action}", target=facility, case=facility.application, **kwargs
    )


def _agency_check(facility, actor):
    if facility.application.program.agency not in actor.organizations_for(*AGENCY_ROLES):
        raise PermissionRefused(_("Only the program's agency does this."))


def _move(obj, action, actor, **kwargs):
    """Move a claim, disposal or money move under its model's ``TRANSITIONS`` table (core.transitions)."""
    return transition(
        obj=obj, table=type(obj).TRANSITIONS, action=action, actor=actor, record=_RECORD, **kwargs
    )


def _in_minor_units(amount, currency, field):
    """``amount`` if it is non-negative and whole in the currency's minor unit (core.money), else InvalidInput."""
    amount = Decimal(amount)
    if amount < 0 or amount != round_money(amount, currency):
        message = _("The amount cannot be negative.") if amount < 0 else minor_unit_message(currency)
        raise InvalidInput(
            message, code="invalid_amount", details={field: [_("not a valid amount in this currency")]}
        )
    return amount


@transaction.atomic
def claim_file(*, facility: Facility, actor: User, checklist: dict[str, bool]) -> Claim:
    """The bank claims on a defaulted guaranteed facility with its checklist complete (again after a return)."""
    facility = _claimable(facility, actor, checklist)
    amount = round_money(facility.exposure_at_default * facility.coverage_ratio, facility.currency)
    claim = Claim.objects.filter(facility=facility).first()
    refiled = claim is not None and claim.status in Claim.TRANSITIONS.sources("refile")
    if refiled:
        changes = {"checklist": checklist, "amount_claimed": amount, "filed_by": actor}
        claim = _move(claim, "refile", actor, changes=changes)
    else:
        try:
            with transaction.atomic():
                claim = Claim.objects.create(
                    facility=facility, filed_by=actor, checklist=checklist, amount_claimed=amount
                )
        except IntegrityError:
            raise Conflict(_("A claim is filed already."), code="duplicate_claim")
    _event(facility, actor, "claim_filed", details={"amount": amount, "refiled": refiled})
    return claim


def _claimable(facility, actor, checklist):
    """The locked facility, if its bank may claim on it now with this checklist."""
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
    return facility


def _filed_claim(claim, actor):
    _agency_check(claim.facility, actor)
    locked = Claim.objects.select_for_update().select_related("facility__lender").get(pk=claim.pk)
    if locked.status != ClaimStatus.FILED:
        raise Conflict(_("This claim is not awaiting review."), code="claim_not_filed")
    return locked


def _no_payment_pending(claim):
    if MoneyMove.objects.filter(claim=claim, status=MoveStatus.PENDING).exists():
        raise Conflict(
            _("A payment of this claim awaits its checker: have it refused first."), code="awaiting_checker"
        )


@transaction.atomic
def claim_reject(*, claim: Claim, actor: User, reason_code: str, comment: str = "") -> Claim:
    """The agency rejects the claim with a coded reason (no money moves). Event recovery.claim_rejected."""
    locked = _filed_claim(claim, actor)
    _no_payment_pending(locked)
    if reason_code not in REJECTION_REASONS:
        raise InvalidInput(
            _("Choose the reason for the rejection."),
            code="reason_code",
            details={"reason_code": list(REJECTION_REASONS)},
        )
    return _move(
        locked,
        "reject",
        actor,
        changes={"review_reason": reason_code, "review_comment": comment},
        details={"reason_code": reason_code, "comment": comment},
    )


@transaction.atomic
def claim_return(*, claim: Claim, actor: User, comment: str) -> Claim:
    """The agency returns the claim to the bank for documents; the bank files it again. Event claim_returned."""
    locked = _filed_claim(claim, actor)
    _no_payment_pending(locked)
    if not (comment or "").strip():
        raise InvalidInput(
            _("Say which documents are missing."),
            code="comment_missing",
            details={"comment": [_("required")]},
        )
    comment = comment.strip()
    return _move(locked, "return", actor, changes={"review_comment": comment}, details={"comment": comment})


def _line(part, recipient, amount, currency):
    """One line of a confirmation: what, to whom, how much (in the currency's minor unit)."""
    return {
        "part": part,
        "recipient": str(recipient),
        "amount": str(round_money(amount, currency)),
    }


def _claim_payment_summary(claim, amount, reason_code):
    return {
        "currency": claim.facility.currency,
        "claimed": str(round_money(claim.amount_claimed, claim.facility.currency)),
        "reason_code": reason_code,
        "lines": [_line("claim_payment", claim.facility.lender.name, amount, claim.facility.currency)],
    }


@transaction.atomic
def claim_payment_request(
    *, claim: Claim, actor: User, amount: Decimal | None = None, reason_code: str = "", comment: str = ""
) -> MoneyMove:
    """Ask to pay the claim in full (``amount`` None) or in part (an amount below the claim, a reason code).
    Paid only when a different approver confirms."""
    locked = _filed_claim(claim, actor)
    currency = locked.facility.currency
    if amount is None or Decimal(amount) == locked.amount_claimed:
        amount, reason_code = locked.amount_claimed, ""
    else:
        amount = _in_minor_units(amount, currency, "amount")
        if not 0 < amount < locked.amount_claimed:
            raise InvalidInput(
                _("A part payment is more than zero and less than the %(claimed)s claimed.")
                % {"claimed": locked.amount_claimed},
                code="invalid_amount",
                details={"amount": [_("between 0 and the amount claimed")]},
            )
        if reason_code not in PART_PAYMENT_REASONS:
            raise InvalidInput(
                _("A part payment needs its reason code."),
                code="reason_code",
                details={"reason_code": list(PART_PAYMENT_REASONS)},
            )
    return _request(
        facility=locked.facility,
        kind=MoveKind.CLAIM_PAYMENT,
        actor=actor,
        claim=locked,
        terms={"amount": str(amount), "reason_code": reason_code, "comment": comment},
        summary=_claim_payment_summary(locked, amount, reason_code),
    )


def _claim_pay(move, checker):
    """Pay exactly once (the claim's table: filed to paid), record subrogation, take over the IP."""
    claim, terms = move.claim, move.terms
    changes = {
        "amount_paid": Decimal(terms["amount"]),
        "review_reason": terms["reason_code"],
        "review_comment": terms["comment"],
        "paid_at": timezone.now(),
        "paid_by": checker,
        "subrogation_note": _("The agency is subrogated to the bank's rights for the amount paid."),
    }
    claim = _move(claim, "pay", checker, maker=move.requested_by, changes=changes)
    taken = _take_over(claim.facility, checker, move.requested_by)
    details = {
        "amount": claim.amount_paid,
        "reason_code": claim.review_reason,
        "maker": move.requested_by.email,
        "taken_over": taken,
    }
    facility_move(
        facility=claim.facility, action="claim_paid", actor=checker, maker=move.requested_by, details=details
    )
    return claim


def _take_over(facility, checker, maker):
    """The pledged IP of the facility passes to the agency (applications moves it); returns what was taken."""
    taken = []
    for pledge in facility.pledges.filter(live=True).select_related("asset"):
        if pledge.asset.encumbrance in ENCUMBRANCE.sources("take_over"):
            ip_asset_encumbrance_move(asset=pledge.asset, action="take_over", actor=checker, maker=maker)
            taken.append(str(pledge.asset))
            ip_asset_taken_over(asset=pledge.asset, facility=facility, actor=checker)
    return taken


@transaction.atomic
def disposal_open(
    *,
    facility: Facility,
    actor: User,
    channel: str,
    assets: list[IPAsset] | None = None,
    reappraised_value: Decimal | None = None,
    opening_price: Decimal | None = None,
    bids_close_on: date | None = None,
    reappraisal_fee: Decimal | None = None,
) -> Disposal:
    """Start selling or licensing the IP. Guaranteed facilities after the claim; direct loans on the bank's behalf.

    With ``reappraisal_fee`` a new valuation of the assets is ordered from the program's panel (re-appraisal)."""
    facility = Facility.objects.select_for_update().select_related("application__program").get(pk=facility.pk)
    _agency_check(facility, actor)
    _disposable(facility)
    if channel == Channel.AUCTION:
        _auction_terms_check(opening_price, bids_close_on)
    assets = assets if assets is not None else [p.asset for p in facility.pledges.all()]
    _assets_free_check(assets)
    disposal = Disposal.objects.create(
        facility=facility,
        channel=channel,
        reappraised_value=reappraised_value,
        opening_price=opening_price,
        bids_close_on=bids_close_on,
        created_by=actor,
    )
    disposal.assets.set(assets)
    if reappraisal_fee:
        _order_reappraisal(disposal, facility, actor, reappraisal_fee)
    details = {"channel": channel, "opening_price": opening_price, "reappraised_value": reappraised_value}
    facility_move(facility=facility, action="dispose", actor=actor, details=details)
    return disposal


def _assets_free_check(assets):
    """Conflict if an open or awarded disposal already holds any of ``assets`` (the caller holds the facility's lock,
    so two requests for the same facility's IP are checked one after the other)."""
    held = Disposal.objects.filter(
        status__in=(DisposalStatus.OPEN, DisposalStatus.AWARDED), assets__in=[a.pk for a in assets]
    )
    if held.exists():
        raise Conflict(
            _("This IP is already in an open or awarded disposal; close that one first."),
            code="assets_in_disposal",
        )


def _disposable(facility):
    """Guaranteed facilities are disposed of after the claim is paid, direct loans after default (or again)."""
    allowed = FacilityStatus.CLAIM_PAID if facility.is_guaranteed else FacilityStatus.DEFAULTED
    if facility.status not in (allowed, FacilityStatus.IN_DISPOSAL):
        raise Conflict(
            _("The IP can be disposed of after default (and the claim, for guaranteed loans)."),
            code="not_ready_for_disposal",
        )


def _auction_terms_check(opening_price, bids_close_on):
    if not opening_price or not bids_close_on:
        raise InvalidInput(_("An auction needs an opening price and a closing date."), code="auction_terms")
    if not timezone.localdate() < bids_close_on <= timezone.localdate() + MAX_BID_WINDOW:
        raise InvalidInput(
            _("The bid window is at most %(days)s days.") % {"days": MAX_BID_DAYS},
            code="bid_window",
            details={"bids_close_on": [_("within %(days)s days") % {"days": MAX_BID_DAYS}]},
        )


def _order_reappraisal(disposal, facility, actor, fee):
    """A new valuation of the disposal's assets from the program's panel, linked to the disposal."""
    from valuations.services import valuation_order_create

    order = valuation_order_create(
        application=facility.application,
        actor=actor,
        fee=fee,
        assets=list(disposal.assets.all()),
        purpose="reappraisal",
    )
    Disposal.objects.filter(pk=disposal.pk).update(reappraisal_order=order)


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
def bid_place(*, disposal: Disposal, actor: User, amount: Decimal, buyer: Buyer | None = None) -> Bid:
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
    amount = _in_minor_units(amount, locked.facility.currency, "amount")
    if locked.status != DisposalStatus.OPEN:
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


def _buyer_event(buyer, actor, action, **kwargs):
    audit_record(actor=actor, action=f"recovery.buyer_{action}", target=buyer, case=buyer.agency, **kwargs)


@transaction.atomic
def buyer_register(*, agency: Organization, organization: Organization, actor: User, note: str = "") -> Buyer:
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
def buyer_verify(*, buyer: Buyer, actor: User) -> Buyer:
    """An approver or administrator of the agency, not the person who registered it, verifies a buyer (it may
    then bid); writes ``recovery.buyer_verified``. Raises PermissionRefused or Conflict."""
    if buyer.agency.kind != OrganizationKind.AGENCY or buyer.agency not in actor.organizations_for(
        *BUYER_VERIFIERS
    ):
        raise PermissionRefused(_("An approver of the agency verifies its buyers."))
    if buyer.registered_by_id == actor.pk:
        raise PermissionRefused(_("Another person than the one who registered the buyer verifies it."))
    locked = Buyer.objects.select_for_update().get(pk=buyer.pk)
    if locked.status not in Buyer.TRANSITIONS.sources("verify"):
        raise Conflict(_("Only a buyer awaiting verification is verified."), code="not_pending")
    changes = {"verified_by": actor, "verified_at": timezone.now()}
    transition(
        obj=locked,
        table=Buyer.TRANSITIONS,
        action="verify",
        actor=actor,
        maker=locked.registered_by,
        record=_BUYER_RECORD,
        changes=changes,
    )
    buyer.refresh_from_db()
    return buyer


@transaction.atomic
def buyer_revoke(*, buyer: Buyer, actor: User, reason: str = "") -> Buyer:
    """The agency takes a buyer off the registry (it bids no more; its past bids stay); writes
    ``recovery.buyer_revoked``. Raises PermissionRefused or Conflict."""
    if buyer.agency not in actor.organizations_for(*BUYER_VERIFIERS):
        raise PermissionRefused(_("An approver of the agency revokes its buyers."))
    locked = Buyer.objects.select_for_update().get(pk=buyer.pk)
    if locked.status not in Buyer.TRANSITIONS.sources("revoke"):
        raise Conflict(_("This buyer is revoked already."), code="already_revoked")
    return transition(
        obj=locked,
        table=Buyer.TRANSITIONS,
        action="revoke",
        actor=actor,
        record=_BUYER_RECORD,
        details={"comment": reason},
    )


def _award_summary(disposal, bid):
    return {
        "currency": disposal.facility.currency,
        "bid": bid.pk,
        "lines": [_line("award", bid.bidder, bid.amount, disposal.facility.currency)],
        "assets": [str(a) for a in disposal.assets.all()],
    }


@transaction.atomic
def disposal_award_request(*, disposal: Disposal, actor: User, bid: Bid | None = None) -> MoneyMove:
    """Ask to award the disposal to the highest bid (or ``bid``), only after the bid window has closed."""
    _agency_check(disposal.facility, actor)
    locked = Disposal.objects.select_for_update().select_related("facility").get(pk=disposal.pk)
    if locked.bids_close_on and timezone.localdate() <= locked.bids_close_on:
        raise Conflict(
            _("Bids are open until %(day)s: award after the window has closed.")
            % {"day": locked.bids_close_on},
            code="bidding_open",
        )
    bid = bid or locked.bids.order_by("-amount", "placed_at").first()
    if locked.status != DisposalStatus.OPEN or bid is None or bid.disposal_id != locked.pk:
        raise Conflict(_("Nothing to award."), code="nothing_to_award")
    return _request(
        facility=locked.facility,
        kind=MoveKind.DISPOSAL_AWARD,
        actor=actor,
        disposal=locked,
        terms={"bid": bid.pk},
        summary=_award_summary(locked, bid),
    )


def _award(move, checker):
    disposal = move.disposal
    bid = Bid.objects.get(pk=move.terms["bid"], disposal=disposal)
    if disposal.bids_close_on and timezone.localdate() <= disposal.bids_close_on:
        raise Conflict(_("Bids are still open."), code="bidding_open")
    if disposal.status not in Disposal.TRANSITIONS.sources("award"):
        raise Conflict(_("Nothing to award."), code="nothing_to_award")
    details = {"bidder": bid.bidder, "amount": bid.amount, "maker": move.requested_by.email}
    _move(disposal, "award", checker, maker=move.requested_by, changes={"awarded_bid": bid}, details=details)
    return bid


def losses(facility: Facility) -> tuple[Decimal, Decimal]:
    """(agency loss, bank loss) at default: what the agency paid under the guarantee, and the rest of the exposure."""
    ead = facility.exposure_at_default or Decimal(0)
    claim = Claim.objects.filter(facility=facility, status=ClaimStatus.PAID).first()
    agency = min(claim.amount_paid, ead) if claim else Decimal(0)
    return agency, ead - agency


def _recovered_before(facility):
    """(agency, bank): what each recovered from disposals closed so far."""
    totals = Disposal.objects.filter(facility=facility, status=DisposalStatus.CLOSED).aggregate(
        agency=Sum("agency_share"), bank=Sum("bank_share")
    )
    return totals["agency"] or Decimal(0), totals["bank"] or Decimal(0)


def _close_summary(disposal, proceeds, costs, write_off_reason):
    facility = disposal.facility
    agency_loss, bank_loss = losses(facility)
    # a second disposal of the same facility shares only what the earlier ones did not recover
    agency_before, bank_before = _recovered_before(facility)
    agency_open = max(agency_loss - agency_before, Decimal(0))
    bank_open = max(bank_loss - bank_before, Decimal(0))
    split = allocate_proceeds(
        proceeds=proceeds,
        costs=costs,
        agency_loss=agency_open,
        bank_loss=bank_open,
        currency=facility.currency,
    )
    write_off = round_money(
        max(agency_open + bank_open - split.agency - split.bank, Decimal(0)), facility.currency
    )
    borrower = facility.application.company.legal_name
    return {
        "currency": facility.currency,
        "proceeds": str(proceeds),
        "losses": {"agency": str(agency_loss), "bank": str(bank_loss)},
        "lines": [
            _line("costs", "", split.costs, facility.currency),
            _line("agency", facility.application.program.agency.name, split.agency, facility.currency),
            _line("bank", facility.lender.name, split.bank, facility.currency),
            _line("borrower", borrower, split.borrower, facility.currency),
            _line("write_off", "", write_off, facility.currency),
        ],
        "write_off_reason": write_off_reason if write_off else "",
    }


@transaction.atomic
def disposal_close_request(
    *, disposal: Disposal, actor: User, proceeds: Decimal, costs: Decimal = 0, write_off_reason: str = ""
) -> MoneyMove:
    """Ask to close the disposal with its proceeds: costs first, agency and bank pro rata to their losses each
    capped at its loss, any surplus owed to the borrower, the unrecovered loss written off (with a reason)."""
    _agency_check(disposal.facility, actor)
    locked = Disposal.objects.select_for_update().select_related("facility__lender").get(pk=disposal.pk)
    if locked.status not in Disposal.TRANSITIONS.sources("close"):
        raise Conflict(_("The disposal is closed already."), code="already_closed")
    currency = locked.facility.currency
    proceeds = _in_minor_units(proceeds, currency, "proceeds")
    costs = _in_minor_units(costs or 0, currency, "costs")
    if costs > proceeds:
        raise InvalidInput(
            _("The costs paid from the proceeds cannot exceed them."),
            code="invalid_amount",
            details={"costs": [_("at most the proceeds")]},
        )
    summary = _close_summary(locked, proceeds, costs, write_off_reason)
    if Decimal(summary["lines"][-1]["amount"]) > 0 and write_off_reason not in WRITE_OFF_REASONS:
        raise InvalidInput(
            _("Give a write-off reason for the unrecovered %(r)s.") % {"r": summary["lines"][-1]["amount"]},
            code="write_off_reason",
            details={"write_off_reason": list(WRITE_OFF_REASONS)},
        )
    return _request(
        facility=locked.facility,
        kind=MoveKind.DISPOSAL_CLOSE,
        actor=actor,
        disposal=locked,
        terms={"proceeds": str(proceeds), "costs": str(costs), "write_off_reason": write_off_reason},
        summary=summary,
    )


def _parts(summary):
    return {line["part"]: Decimal(line["amount"]) for line in summary["lines"]}


def _close(move, checker):
    """The disposal closes with the confirmed allocation, its IP is disposed of and the facility closes."""
    disposal, parts = move.disposal, _parts(move.summary)
    if disposal.status not in Disposal.TRANSITIONS.sources("close"):
        raise Conflict(_("The disposal is closed already."), code="already_closed")
    changes = {
        "proceeds": Decimal(move.terms["proceeds"]),
        "costs": parts["costs"],
        "agency_share": parts["agency"],
        "bank_share": parts["bank"],
        "borrower_surplus": parts["borrower"],
        "write_off": parts["write_off"],
        "write_off_reason": move.summary["write_off_reason"],
        "closed_on": timezone.localdate(),
    }
    disposal = _move(disposal, "close", checker, maker=move.requested_by, changes=changes)
    for asset in disposal.assets.filter(encumbrance__in=ENCUMBRANCE.sources("dispose")):
        ip_asset_encumbrance_move(asset=asset, action="dispose", actor=checker, maker=move.requested_by)
    for asset in disposal.assets.all():
        ip_asset_disposed(asset=asset, disposal=disposal, actor=checker)
    pledges_release(facility=move.facility, reason="disposed", actor=checker)
    details = {
        "proceeds": move.terms["proceeds"],
        **{name: amount for name, amount in parts.items()},
        "reason": move.summary["write_off_reason"],
        "maker": move.requested_by.email,
    }
    _close_facility(move, checker, "close", parts["write_off"], details)
    return disposal


def _close_facility(move, checker, action, write_off, details):
    """The facility closes with nothing outstanding: what was not recovered is recorded as written off."""
    changes = {
        "closed_on": timezone.localdate(),
        "written_off_amount": write_off,
        "written_off_on": timezone.localdate() if write_off else None,
    }
    facility_move(
        facility=move.facility,
        action=action,
        actor=checker,
        maker=move.requested_by,
        changes=changes,
        details=details,
    )


def _write_off_summary(facility, reason):
    ead = facility.exposure_at_default or Decimal(0)
    amount = max(ead - sum(_recovered_before(facility)), Decimal(0))
    return {
        "currency": facility.currency,
        "exposure_at_default": str(ead),
        "write_off_reason": reason,
        "lines": [_line("write_off", facility.application.company.legal_name, amount, facility.currency)],
    }


@transaction.atomic
def write_off_request(*, facility: Facility, actor: User, reason: str) -> MoneyMove:
    """Ask to write off what was not recovered and close the facility (no disposal left open)."""
    _agency_check(facility, actor)
    locked = Facility.objects.select_for_update().select_related("application__company").get(pk=facility.pk)
    if locked.status not in AWAITING_DISPOSAL:
        raise Conflict(_("Only a defaulted facility can be written off."), code="not_defaulted")
    if Disposal.objects.filter(facility=locked).exclude(status=DisposalStatus.CLOSED).exists():
        raise Conflict(_("Close the open disposal first."), code="disposal_open")
    if reason not in WRITE_OFF_REASONS:
        raise InvalidInput(
            _("Choose the reason for the write-off."),
            code="write_off_reason",
            details={"write_off_reason": list(WRITE_OFF_REASONS)},
        )
    return _request(
        facility=locked,
        kind=MoveKind.WRITE_OFF,
        actor=actor,
        terms={"reason": reason},
        summary=_write_off_summary(locked, reason),
    )


def _write_off(move, checker):
    facility = Facility.objects.select_for_update().get(pk=move.facility_id)
    if facility.status not in AWAITING_DISPOSAL:
        raise Conflict(_("The facility is closed already."), code="already_closed")
    amount = _parts(move.summary)["write_off"]
    details = {"amount": amount, "reason": move.terms["reason"], "maker": move.requested_by.email}
    _close_facility(move, checker, "write_off", amount, details)
    facility.refresh_from_db()
    return facility


LATE_RECOVERY_TWIN_WINDOW = timedelta(minutes=10)


def _late_recovery_twin_check(facility, amount, received_on, source):
    """Conflict if the same amount, date and source was recorded on the facility in the last minutes: a form sent
    twice (the caller holds the facility's lock, so a concurrent twin waits and then finds the first)."""
    twin = LateRecovery.objects.filter(
        facility=facility,
        amount=amount,
        received_on=received_on,
        source__iexact=source.strip(),
        created_at__gte=timezone.now() - LATE_RECOVERY_TWIN_WINDOW,
    )
    if twin.exists():
        raise Conflict(
            _("This recovery (same amount, date and source) was just recorded."),
            code="duplicate_late_recovery",
        )


def late_recoveries_by_party(facility: Facility) -> dict[str, Decimal]:
    """The late recoveries (after the write-off) shared between the agency and the bank like disposal proceeds:
    pro rata to what each has not yet recovered of its loss, each capped at it."""
    late = LateRecovery.objects.filter(facility=facility).aggregate(total=Sum("amount"))["total"] or Decimal(
        0
    )
    agency_loss, bank_loss = losses(facility)
    agency_before, bank_before = _recovered_before(facility)
    split = allocate_proceeds(
        proceeds=late,
        costs=0,
        agency_loss=max(agency_loss - agency_before, Decimal(0)),
        bank_loss=max(bank_loss - bank_before, Decimal(0)),
        currency=facility.currency,
    )
    return {"total": late, "agency": split.agency, "bank": split.bank}


@transaction.atomic
def recovery_record_late(
    *, facility: Facility, actor: User, amount: Decimal, received_on: date, source: str
) -> LateRecovery:
    """Money received after the write-off (a later sale, a settlement): recorded, it reduces the loss."""
    _agency_check(facility, actor)
    locked = Facility.objects.select_for_update().get(pk=facility.pk)
    if locked.written_off_amount is None:
        raise Conflict(_("Record recoveries after the write-off here."), code="not_written_off")
    amount = _in_minor_units(amount, locked.currency, "amount")
    if amount <= 0:
        raise InvalidInput(
            _("The amount must be positive."), code="invalid_amount", details={"amount": ["> 0"]}
        )
    if received_on > timezone.localdate() or (locked.closed_on and received_on < locked.closed_on):
        raise InvalidInput(
            _("The date must lie between the write-off (%(day)s) and today.") % {"day": locked.closed_on},
            code="invalid_date",
            details={"received_on": [_("between the write-off and today")]},
        )
    _late_recovery_twin_check(locked, amount, received_on, source)
    recovery = LateRecovery.objects.create(
        facility=locked, amount=amount, received_on=received_on, source=source, recorded_by=actor
    )
    _event(locked, actor, "late_recovery", details={"amount": amount, "on": received_on, "source": source})
    return recovery


# --- four eyes ---------------------------------------------------------------------------------------------

SUMMARIES = {
    MoveKind.CLAIM_PAYMENT: lambda move: _claim_payment_summary(
        move.claim, Decimal(move.terms["amount"]), move.terms["reason_code"]
    ),
    MoveKind.DISPOSAL_AWARD: lambda move: _award_summary(
        move.disposal, Bid.objects.get(pk=move.terms["bid"])
    ),
    MoveKind.DISPOSAL_CLOSE: lambda move: _close_summary(
        move.disposal,
        Decimal(move.terms["proceeds"]),
        Decimal(move.terms["costs"]),
        move.terms["write_off_reason"],
    ),
    MoveKind.WRITE_OFF: lambda move: _write_off_summary(move.facility, move.terms["reason"]),
}
CARRY_OUT = {
    MoveKind.CLAIM_PAYMENT: _claim_pay,
    MoveKind.DISPOSAL_AWARD: _award,
    MoveKind.DISPOSAL_CLOSE: _close,
    MoveKind.WRITE_OFF: _write_off,
}


def _request(*, facility, kind, actor, terms, summary, claim=None, disposal=None):
    try:
        with transaction.atomic():
            move = MoneyMove.objects.create(
                facility=facility,
                kind=kind,
                claim=claim,
                disposal=disposal,
                terms=terms,
                summary=summary,
                requested_by=actor,
            )
    except IntegrityError:
        raise Conflict(_("This is awaiting a checker already."), code="awaiting_checker")
    _event(facility, actor, f"{kind}_requested", details={"terms": terms, "lines": summary["lines"]})
    return move


def _checker(move, actor):
    if not actor.has_role(
        Role.APPROVER
    ) or move.facility.application.program.agency not in actor.organizations_for(Role.APPROVER):
        raise PermissionRefused(
            _("A checker holds the approver role of the program's agency."), code="not_a_checker"
        )
    if move.requested_by_id == actor.pk:
        raise PermissionRefused(
            _("Four-eyes rule: you asked for this, someone else must confirm it."), code="four_eyes"
        )


def _pending(move):
    locked = (
        MoneyMove.objects.select_for_update().select_related("facility__application__program").get(pk=move.pk)
    )
    if locked.status != MoveStatus.PENDING:
        raise Conflict(_("This was decided already."), code="already_decided")
    return locked


@transaction.atomic
def money_move_confirm(*, move: MoneyMove, actor: User) -> Claim | Bid | Disposal | Facility:
    """The checker confirms exactly the amounts shown; the money moves now. Returns what was carried out."""
    locked = _pending(move)
    _checker(locked, actor)
    if SUMMARIES[locked.kind](locked) != locked.summary:
        raise Conflict(
            _("The figures changed since this was asked: refuse it and ask again."), code="figures_changed"
        )
    result = CARRY_OUT[locked.kind](locked, actor)
    changes = {"decided_by": actor, "decided_at": timezone.now()}
    _move(locked, "confirm", actor, maker=locked.requested_by, changes=changes)
    return result


@transaction.atomic
def money_move_refuse(*, move: MoneyMove, actor: User, reason: str) -> MoneyMove:
    """The checker refuses with a reason; nothing moves and the maker may ask again."""
    locked = _pending(move)
    _checker(locked, actor)
    if not (reason or "").strip():
        raise InvalidInput(_("Say why."), code="reason_missing", details={"reason": [_("required")]})
    changes = {"decided_by": actor, "decided_at": timezone.now(), "refusal_reason": reason.strip()}
    return _move(
        locked,
        "refuse",
        actor,
        maker=locked.requested_by,
        changes=changes,
        audit=f"recovery.{locked.kind}_refused",
        details={"comment": changes["refusal_reason"]},
    )


def recovery_figures(facility: Facility, disposals: list[Disposal]) -> dict[str, Decimal | None]:
    """What the agency and the bank recovered (disposals, then late recoveries), the rate on the exposure at
    default (never above 100 %: a surplus is the borrower's), the loss given default and the loss left."""
    ead = facility.exposure_at_default
    if not ead:
        return {"recovered": None, "recovery_rate": None, "lgd": None, "loss": None, "written_off": None}
    recovered = sum(
        ((d.agency_share or 0) + (d.bank_share or 0) for d in disposals if d.status == DisposalStatus.CLOSED),
        Decimal(0),
    )
    late = LateRecovery.objects.filter(facility=facility).aggregate(total=Sum("amount"))["total"] or 0
    recovered += late
    rate = min(recovered / ead, Decimal(1)).quantize(Decimal("0.0001"))
    written_off = facility.written_off_amount
    return {
        "recovered": recovered,
        "recovery_rate": rate,
        "lgd": 1 - rate,
        "loss": max(ead - recovered, Decimal(0)),
        "written_off": None if written_off is None else max(written_off - late, Decimal(0)),
    }
