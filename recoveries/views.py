"""The buyer registry (agency staff) and the auctions open to registered buyers, who bid there themselves."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import AGENCY_ROLES, OrganizationKind
from core.errors import DomainError
from core.web import form_error_from, role_required

from . import services
from .forms import BidForm, BuyerRegisterForm
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
    if request.method == "POST" and form.is_valid():
        try:
            services.buyer_register(agency=agencies[0], actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_error_from(form, exc)
        else:
            messages.success(
                request, _("Registered; an approver of the agency verifies it before it may bid.")
            )
            return redirect("recoveries:buyers")
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
