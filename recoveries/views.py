"""The recovery screens: the claim and its review, the disposal, award, close, write-off and late recovery on the
facility page (its recoveries panel), the money moves' maker-and-checker page, the buyer registry (agency staff)
and the auctions open to registered buyers, who bid there themselves.

One view per action; the facility page's writes post through ``facilities.views.facility_post``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.roles import AGENCY_ROLES, OrganizationKind, Role
from core.errors import DomainError
from core.templatetags.ipfin_format import money
from core.web import form_error_from, role_required
from facilities.selectors import facility_get_for
from facilities.views import done_message, facility_post, said

from . import services
from .forms import (
    BidForm,
    BuyerRegisterForm,
    ClaimForm,
    ClaimReviewForm,
    CloseForm,
    DisposalForm,
    LateRecoveryForm,
    RefuseForm,
    WriteOffForm,
    claim_checklist,
)
from .models import Claim, Disposal, MoneyMove, MoveKind, MoveStatus
from .selectors import (
    auction_get_for,
    auctions_open_to,
    buyer_get_for,
    buyer_registrations_of,
    buyers_visible_to,
)


@role_required(*AGENCY_ROLES)
def buyer_list(request):
    """The agency's registry; staff register an organisation, an approver verifies it."""
    agencies = [o for o in request.user.organizations_for(*AGENCY_ROLES) if o.kind == OrganizationKind.AGENCY]
    if not agencies:
        raise Http404  # an administrator of an oversight body keeps no registry
    form = BuyerRegisterForm(request.POST or None, kinds=services.BUYER_KINDS)
    if request.method == "POST" and form.is_valid() and _registered(request, agencies[0], form):
        messages.success(request, _("Registered; an approver of the agency verifies it before it may bid."))
        return redirect("recoveries:buyers")
    return _buyer_page(request, form)


def _registered(request, agency, form):
    """Whether the organisation of ``form`` is registered now (else the refusal is on the form)."""
    try:
        services.buyer_register(agency=agency, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        form_error_from(form, exc)
        return False
    return True


def _buyer_page(request, form):
    return render(
        request,
        "recoveries/buyer_list.html",
        {
            "buyers": buyers_visible_to(user=request.user),
            "form": form,
            "can_verify": request.user.has_role(*services.BUYER_VERIFIERS),
        },
        status=400 if form.errors else 200,
    )


@role_required(*services.BUYER_VERIFIERS)
@require_POST
def buyer_verify(request, pk):
    try:
        services.buyer_verify(buyer=buyer_get_for(user=request.user, pk=pk), actor=request.user)
        messages.success(request, _("Verified: the buyer may bid."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("recoveries:buyers")


@role_required(*services.BUYER_VERIFIERS)
@require_POST
def buyer_revoke(request, pk):
    try:
        services.buyer_revoke(buyer=buyer_get_for(user=request.user, pk=pk), actor=request.user)
        messages.success(request, _("Revoked: the buyer bids no more."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("recoveries:buyers")


def _auction_page(request, form=None, status=200):
    registrations = buyer_registrations_of(user=request.user)
    disposals = list(auctions_open_to(user=request.user))
    own_bids = {}
    for bid in services.Bid.objects.filter(disposal__in=disposals, buyer__in=registrations).order_by(
        "-placed_at"
    ):
        own_bids.setdefault(bid.disposal_id, []).append(bid)
    return render(
        request,
        "recoveries/auction_list.html",
        {
            "registrations": registrations,
            "auctions": [(d, own_bids.get(d.pk, [])) for d in disposals],
            "form": form or BidForm(registrations=registrations),
            "several": len(registrations) > 1,
        },
        status=status,
    )


@login_required
def auction_list(request):
    """Open auctions for the organisations the agency verified as buyers, with the user's own bids."""
    return _auction_page(request)


@login_required
@require_POST
def bid(request, pk):
    disposal = auction_get_for(user=request.user, pk=pk)
    form = BidForm(request.POST, registrations=buyer_registrations_of(user=request.user))
    if form.is_valid():
        try:
            services.bid_place(
                disposal=disposal,
                actor=request.user,
                amount=form.cleaned_data["amount"],
                buyer=form.cleaned_data["buyer"],
            )
        except DomainError as exc:
            form_error_from(form, exc)
        else:
            messages.success(request, _("Your bid is recorded."))
            return redirect("recoveries:auctions")
    return _auction_page(request, form, status=400)


# --- the facility page: claim, disposal, award, close, write-off, late recovery -----------------------------------


def _to_move(request, facility, move):
    """A request for a checker: shown on its confirmation page."""
    messages.info(request, _("Asked: a second person with the approver role must confirm it."))
    return redirect("recoveries:move", pk=facility.pk, move_pk=move.pk)


def _disposal(facility, request):
    disposal = Disposal.objects.filter(facility=facility, pk=request.POST.get("disposal")).first()
    if disposal is None:
        raise Http404
    return disposal


@role_required(Role.LENDER_OFFICER)
@require_POST
def claim_file(request, pk):
    def run(facility, data):
        return services.claim_file(facility=facility, actor=request.user, checklist=claim_checklist(data))

    text = _("Guarantee claim on %(ref)s filed by %(lender)s.")
    return facility_post(request, pk, name="claim", form_class=ClaimForm, run=run, respond=said(text))


@role_required(*AGENCY_ROLES)
@require_POST
def claim_review(request, pk):
    """Pay (in full or in part: a request for a checker), reject or return the bank's claim."""

    def run(facility, data):
        claim = Claim.objects.filter(facility=facility).first()
        if claim is None:
            raise Http404
        return _review(request, claim, data)

    form_class = ClaimReviewForm
    return facility_post(request, pk, name="review_claim", form_class=form_class, run=run, respond=_reviewed)


def _review(request, claim, data):
    outcome, code, comment = data["outcome"], data["reason_code"], data["comment"]
    if outcome == "reject":
        return services.claim_reject(claim=claim, actor=request.user, reason_code=code, comment=comment)
    if outcome == "return":
        return services.claim_return(claim=claim, actor=request.user, comment=comment)
    amount = data["amount"] if outcome == "pay_part" else None
    return services.claim_payment_request(
        claim=claim, actor=request.user, amount=amount, reason_code=code, comment=comment
    )


def _reviewed(request, facility, result):
    if isinstance(result, MoneyMove):
        return _to_move(request, facility, result)
    text = _("Claim %(ref)s: %(claim_status)s.")
    messages.success(request, done_message(facility, text, claim_status=result.get_status_display()))
    return redirect("facilities:detail", pk=facility.pk)


@role_required(*AGENCY_ROLES)
@require_POST
def disposal_open(request, pk):
    def run(facility, data):
        return services.disposal_open(facility=facility, actor=request.user, **data)

    text = _("Disposal of the IP of %(ref)s opened.")
    return facility_post(request, pk, name="dispose", form_class=DisposalForm, run=run, respond=said(text))


@role_required(*AGENCY_ROLES)
@require_POST
def disposal_award(request, pk):
    def run(facility, data):
        return services.disposal_award_request(disposal=_disposal(facility, request), actor=request.user)

    return facility_post(request, pk, name="award", form_class=None, run=run, respond=_to_move)


@role_required(*AGENCY_ROLES)
@require_POST
def disposal_close(request, pk):
    def run(facility, data):
        disposal = _disposal(facility, request)
        return services.disposal_close_request(disposal=disposal, actor=request.user, **data)

    return facility_post(request, pk, name="close", form_class=CloseForm, run=run, respond=_to_move)


@role_required(*AGENCY_ROLES)
@require_POST
def write_off(request, pk):
    def run(facility, data):
        return services.write_off_request(facility=facility, actor=request.user, **data)

    return facility_post(request, pk, name="write_off", form_class=WriteOffForm, run=run, respond=_to_move)


@role_required(*AGENCY_ROLES)
@require_POST
def late_recovery(request, pk):
    def run(facility, data):
        return services.recovery_record_late(facility=facility, actor=request.user, **data)

    text = _("Recovery after the write-off recorded on %(ref)s.")
    form_class = LateRecoveryForm
    return facility_post(
        request, pk, name="late_recovery", form_class=form_class, run=run, respond=said(text)
    )


# --- money moves: the maker's request, the checker's page -----------------------------------------------------------

PART_LABELS = {
    "claim_payment": gettext_lazy("Claim payment to the bank"),
    "award": gettext_lazy("Award of the IP to the buyer, for"),
    "costs": gettext_lazy("Costs of the disposal"),
    "agency": gettext_lazy("To the agency (its loss under the guarantee)"),
    "bank": gettext_lazy("To the bank (its uncovered loss)"),
    "borrower": gettext_lazy("Surplus owed to the borrower"),
    "write_off": gettext_lazy("Written off (not recovered)"),
}
# what a confirmed move says: the message its one-person action used to give
CONFIRMED = {
    MoveKind.DISPOSAL_AWARD: gettext_lazy("Disposal of %(ref)s awarded to the best bid."),
    MoveKind.DISPOSAL_CLOSE: gettext_lazy("Recovery of %(ref)s closed with the proceeds allocated."),
    MoveKind.WRITE_OFF: gettext_lazy("Facility %(ref)s written off and closed."),
}


def _move_for(request, pk, move_pk):
    """The facility's money move, for the program's agency staff only (404 for anyone else)."""
    facility = facility_get_for(user=request.user, pk=pk)
    if facility.application.program.agency not in request.user.organizations_for(*AGENCY_ROLES):
        raise Http404
    move = MoneyMove.objects.filter(facility=facility, pk=move_pk).select_related("requested_by").first()
    if move is None:
        raise Http404
    return facility, move


def _move_page(request, facility, move, refuse_form=None, status=200):
    can_check = (
        move.status == MoveStatus.PENDING
        and move.requested_by_id != request.user.pk
        and facility.application.program.agency in request.user.organizations_for(Role.APPROVER)
    )
    lines = [{**line, "label": PART_LABELS[line["part"]]} for line in move.summary["lines"]]
    context = {
        "facility": facility,
        "move": move,
        "lines": lines,
        "can_check": can_check,
        "refuse_form": refuse_form or RefuseForm(),
    }
    return render(request, "recoveries/money_move.html", context, status=status)


def _confirmed_message(facility, move):
    if move.kind == MoveKind.CLAIM_PAYMENT:
        claim = Claim.objects.get(facility=facility)
        text = _("Claim %(ref)s paid: %(paid)s to %(lender)s; the IP is taken over.")
        return done_message(facility, text, paid=money(claim.amount_paid, facility.currency))
    return done_message(facility, str(CONFIRMED[move.kind]))


@role_required(*AGENCY_ROLES)
def move_detail(request, pk, move_pk):
    facility, move = _move_for(request, pk, move_pk)
    return _move_page(request, facility, move)


@role_required(Role.APPROVER)
@require_POST
def move_confirm(request, pk, move_pk):
    facility, move = _move_for(request, pk, move_pk)
    try:
        services.money_move_confirm(move=move, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("recoveries:move", pk=pk, move_pk=move_pk)
    messages.success(request, _confirmed_message(facility, move))
    return redirect("facilities:detail", pk=pk)


@role_required(Role.APPROVER)
@require_POST
def move_refuse(request, pk, move_pk):
    facility, move = _move_for(request, pk, move_pk)
    form = RefuseForm(request.POST)
    if form.is_valid():
        try:
            services.money_move_refuse(move=move, actor=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("Refused: nothing was paid."))
            return redirect("facilities:detail", pk=pk)
        except DomainError as exc:
            form_error_from(form, exc)
    return _move_page(request, facility, move, refuse_form=form, status=400)
