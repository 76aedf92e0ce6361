from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import AGENCY_ROLES, Role
from casework.selectors import case_get_for
from core.errors import DomainError
from core.panels import CasePanel
from core.templatetags.ipfin_format import money
from core.uploads import CSV, check_upload, read_text
from core.web import form_error_from, role_required
from recoveries import services as recovery
from recoveries.models import Disposal

from . import services
from .forms import (
    BidForm,
    ClaimForm,
    CloseForm,
    CreateForm,
    CsvForm,
    DefaultForm,
    DisbursementForm,
    DisposalForm,
    RepaymentForm,
    RestructuringForm,
)
from .selectors import PORTFOLIO_READERS, facility_get_for, facility_visible_to

READERS = (Role.LENDER_OFFICER, *PORTFOLIO_READERS)


@role_required(*READERS)
def facility_list(request):
    facilities = facility_visible_to(user=request.user).order_by("-created_at")
    page = Paginator(facilities, 50).get_page(request.GET.get("page"))
    return render(request, "facilities/facility_list.html", {"page": page})


def _context(request, facility, forms=None):
    disposals = list(
        Disposal.objects.filter(facility=facility)
        .select_related("reappraisal_order")
        .prefetch_related("bids", "assets")
    )
    claim = getattr(facility, "claim", None) if hasattr(facility, "claim") else None
    is_lender = facility.lender in request.user.organizations_for(Role.LENDER_OFFICER)
    is_agency = facility.application.program.agency in request.user.organizations_for(*AGENCY_ROLES)
    return {
        "facility": facility,
        "installments": facility.installments.all(),
        "repayments": facility.repayments.all(),
        "pledges": facility.pledges.select_related("asset"),
        "claim": claim,
        "disposals": disposals,
        "is_lender": is_lender,
        "is_agency": is_agency,
        "outstanding": services.outstanding_principal(facility),
        "subsidy_cost": services.interest_subsidy_cost(facility),
        "fees": services.guarantee_fee_schedule(facility),
        "recovery": recovery.recovery_figures(facility, disposals),
        "losses": recovery.losses(facility),
        "events": facility.events.all(),
        "forms": {
            "disburse": DisbursementForm(initial={"amount": facility.principal}),
            "repay": RepaymentForm(),
            "csv": CsvForm(),
            "default": DefaultForm(),
            "restructure": RestructuringForm(),
            "claim": ClaimForm(),
            "dispose": DisposalForm(),
            "bid": BidForm(),
            "close": CloseForm(),
            **(forms or {}),
        },
    }


@role_required(*READERS)
def facility_detail(request, pk):
    return render(
        request,
        "facilities/facility_detail.html",
        _context(request, facility_get_for(user=request.user, pk=pk)),
    )


def _disposal(facility, request):
    disposal = Disposal.objects.filter(facility=facility, pk=request.POST.get("disposal")).first()
    if disposal is None:
        raise Http404
    return disposal


ACTIONS = {
    "disburse": (DisbursementForm, lambda r, f, d: services.facility_disburse(facility=f, actor=r.user, **d)),
    "repay": (RepaymentForm, lambda r, f, d: services.repayment_record(facility=f, actor=r.user, **d)),
    "default": (
        DefaultForm,
        lambda r, f, d: services.facility_default(facility=f, actor=r.user, reason=d["reason"]),
    ),
    "restructure": (
        RestructuringForm,
        lambda r, f, d: services.facility_report_restructuring(facility=f, actor=r.user, **d),
    ),
    "dispose": (DisposalForm, lambda r, f, d: recovery.disposal_open(facility=f, actor=r.user, **d)),
    "bid": (BidForm, lambda r, f, d: recovery.bid_place(disposal=_disposal(f, r), actor=r.user, **d)),
    "award": (None, lambda r, f, d: recovery.disposal_award(disposal=_disposal(f, r), actor=r.user)),
    "close": (
        CloseForm,
        lambda r, f, d: recovery.disposal_close(disposal=_disposal(f, r), actor=r.user, **d),
    ),
    "pay_claim": (None, lambda r, f, d: recovery.claim_pay(claim=f.claim, actor=r.user)),
}


@role_required(*READERS)
@require_POST
def facility_action(request, pk, action):
    facility = facility_get_for(user=request.user, pk=pk)
    if action == "claim":
        form = ClaimForm(request.POST)

        def call(data):
            return recovery.claim_file(facility=facility, actor=request.user, checklist=form.checklist())
    elif action == "csv":
        form = CsvForm(request.POST, request.FILES)

        def call(data):
            return _import(request, facility, data["file"])
    elif action in ACTIONS:
        form_class, run = ACTIONS[action]
        form = form_class(request.POST) if form_class else None

        def call(data):
            return run(request, facility, data)
    else:
        raise Http404
    if form is not None and not form.is_valid():
        return render(
            request,
            "facilities/facility_detail.html",
            _context(request, facility, {action: form}),
            status=400,
        )
    try:
        call(form.cleaned_data if form is not None else {})
    except DomainError as exc:
        if form is None:
            messages.error(request, exc.message)
        else:
            form_error_from(form, exc)
            return render(
                request,
                "facilities/facility_detail.html",
                _context(request, facility, {action: form}),
                status=400,
            )
    else:
        if action != "csv":  # the import says itself what it did (or why nothing was imported)
            facility.refresh_from_db()
            messages.success(request, _done_message(action, facility))
    return redirect("facilities:detail", pk=pk)


def _done_message(action, facility):
    """What the action changed on which facility, for whom, and the amount."""
    values = {
        "ref": facility.application.reference,
        "company": facility.application.company.legal_name,
        "lender": facility.lender.name,
        "principal": money(facility.principal, facility.currency),
        "outstanding": money(services.outstanding_principal(facility), facility.currency),
        "status": facility.get_status_display(),
    }
    claim = getattr(facility, "claim", None)
    if action == "pay_claim" and claim is not None:
        values["paid"] = money(claim.amount_paid, facility.currency)
        return _("Claim %(ref)s paid: %(paid)s to %(lender)s; the IP is taken over.") % values
    texts = {
        "disburse": _("Facility %(ref)s disbursed: %(principal)s from %(lender)s to %(company)s."),
        "repay": _("Repayment recorded on %(ref)s: outstanding principal now %(outstanding)s."),
        "default": _("Facility %(ref)s declared in default."),
        "restructure": _("Facility %(ref)s restructured; outstanding principal %(outstanding)s."),
        "claim": _("Guarantee claim on %(ref)s filed by %(lender)s."),
        "dispose": _("Disposal of the IP of %(ref)s opened."),
        "bid": _("Bid recorded on the disposal of %(ref)s."),
        "award": _("Disposal of %(ref)s awarded to the best bid."),
        "close": _("Recovery of %(ref)s closed with the proceeds allocated."),
    }
    return texts.get(action, _("Facility %(ref)s: %(status)s.")) % values


def _import(request, facility, upload):
    check_upload(upload, allowed={CSV}, max_bytes=2 * 1024 * 1024)
    accepted, refused = services.repayments_import_csv(
        facility=facility, actor=request.user, text=read_text(upload)
    )
    if refused:
        for line, message in refused:
            messages.error(request, _("Line %(line)s: %(message)s") % {"line": line, "message": message})
        messages.error(request, _("Nothing was imported: correct the file and upload it again."))
    else:
        messages.success(request, _("%(n)s repayments imported.") % {"n": len(accepted)})


@role_required(*AGENCY_ROLES)
@require_POST
def facility_create(request, case_pk):
    case = case_get_for(user=request.user, pk=case_pk)
    form = CreateForm(request.POST)
    lender = case.program.partner_lenders.filter(pk=request.POST.get("lender")).first()
    if form.is_valid() and lender is not None:
        try:
            facility = services.facility_create_from_application(
                application=case,
                actor=request.user,
                lender=lender,
                **form.cleaned_data,
                pledges=[(a, f"PLEDGE-{case.reference}-{a.pk}", date.today()) for a in case.ip_assets.all()],
            )
            messages.success(request, _("Facility created; the IP is pledged."))
            return redirect("facilities:detail", pk=facility.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("Choose a partner bank, a term and a schedule."))
    return redirect("casework:case", pk=case_pk)


def case_panel_context(request, application):
    if application.status != "approved":
        return None
    facility = getattr(application, "facility", None) if hasattr(application, "facility") else None
    return {
        "facility": facility,
        "create_form": CreateForm(),
        "lenders": application.program.partner_lenders.all(),
        "can_create": facility is None and request.user.has_role(*AGENCY_ROLES),
    }


PANELS = [CasePanel(order=60, template="facilities/_partials/case_panel.html", context=case_panel_context)]
