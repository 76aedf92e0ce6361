"""Pages of restructurings and tranches: the bank proposes a restructuring or draws a tranche, an approver of the
program's agency confirms or refuses a restructuring. Each page keeps what was typed and shows the service's
refusal; success returns to the facility page, whose panel (``panel_context``) lists what they did."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import Role
from core.errors import DomainError
from core.web import form_error_from, role_required

from . import restructuring as services
from .models import Restructuring
from .restructure_forms import ProposalForm, RefusalForm, TrancheForm
from .restructuring import drawn_total, restructuring_decidable_by
from .selectors import facility_get_for


def _lender_facility(request, pk):
    """The facility, if the user is an officer of its bank; anyone else gets a 404 (no such page for them)."""
    facility = facility_get_for(user=request.user, pk=pk)
    if facility.lender not in request.user.organizations_for(Role.LENDER_OFFICER):
        raise Http404
    return facility


def _form_page(request, facility, form, *, title, submit, call, done):
    """GET shows the form; POST calls the service and returns to the facility, or shows the form again."""
    if request.method == "POST" and form.is_valid():
        try:
            call(form.cleaned_data)
        except DomainError as exc:
            form_error_from(form, exc)
        else:
            messages.success(request, done)
            return redirect("facilities:detail", facility.pk)
    context = {"facility": facility, "form": form, "title": title, "submit": submit}
    return render(request, "facilities/restructure_form.html", context, status=400 if form.errors else 200)


@role_required(Role.LENDER_OFFICER)
def restructure(request, pk):
    facility = _lender_facility(request, pk)
    return _form_page(
        request,
        facility,
        ProposalForm(request.POST or None),
        title=_("Propose a restructuring"),
        submit=_("Propose"),
        call=lambda data: services.restructuring_propose(facility=facility, actor=request.user, **data),
        done=_("Restructuring proposed: the program's agency confirms it."),
    )


@role_required(Role.LENDER_OFFICER)
def tranche(request, pk):
    facility = _lender_facility(request, pk)
    return _form_page(
        request,
        facility,
        TrancheForm(request.POST or None),
        title=_("Draw a tranche"),
        submit=_("Record the tranche"),
        call=lambda data: services.facility_draw_tranche(facility=facility, actor=request.user, **data),
        done=_("Tranche recorded; the schedule follows."),
    )


def _proposal(request, pk, restructuring_pk):
    facility = facility_get_for(user=request.user, pk=pk)
    return get_object_or_404(Restructuring, facility=facility, pk=restructuring_pk)


@role_required(Role.APPROVER)
@require_POST
def restructuring_confirm(request, pk, restructuring_pk):
    proposal = _proposal(request, pk, restructuring_pk)
    try:
        services.restructuring_confirm(restructuring=proposal, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Restructuring confirmed: the new schedule applies."))
    return redirect("facilities:detail", pk)


@role_required(Role.APPROVER)
def restructuring_refuse(request, pk, restructuring_pk):
    proposal = _proposal(request, pk, restructuring_pk)
    return _form_page(
        request,
        proposal.facility,
        RefusalForm(request.POST or None),
        title=_("Refuse the restructuring"),
        submit=_("Refuse"),
        call=lambda data: services.restructuring_refuse(restructuring=proposal, actor=request.user, **data),
        done=_("Restructuring refused."),
    )


def panel_context(request, facility):
    """The facility page's panel (``panels.FACILITY_PANELS``): tranches, restructurings, earlier schedules."""
    return {
        "is_lender": facility.lender in request.user.organizations_for(Role.LENDER_OFFICER),
        "may_decide": restructuring_decidable_by(facility=facility, actor=request.user),
        "restructurings": facility.restructurings.select_related("version", "proposed_by", "decided_by"),
        "versions": facility.schedule_versions.all(),
        "tranches": facility.disbursements.all(),
        "drawn": drawn_total(facility),
    }
