from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from accounts.roles import AGENCY_ROLES, Role
from casework.selectors import case_get_for
from core.errors import DomainError
from core.panels import CasePanel
from core.templatetags.ipfin_format import money
from core.uploads import CSV, check_upload, read_text
from core.web import form_error_from, role_required
from recoveries import services as recovery
from recoveries.models import Claim, Disposal, MoneyMove, MoveStatus

from . import services
from .forms import (
    ClaimForm,
    ClaimReviewForm,
    CloseForm,
    CreateForm,
    CsvForm,
    DefaultForm,
    DisbursementForm,
    DisposalForm,
    LateRecoveryForm,
    RefuseForm,
    RepaymentForm,
    RestructuringForm,
    WriteOffForm,
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
        "moves": MoneyMove.objects.filter(facility=facility).select_related("requested_by", "decided_by"),
        "events": facility.events.all(),
        "forms": {
            "disburse": DisbursementForm(initial={"amount": facility.principal}),
            "repay": RepaymentForm(),
            "csv": CsvForm(),
            "default": DefaultForm(),
            "restructure": RestructuringForm(),
            "claim": ClaimForm(),
            "dispose": DisposalForm(),
            "close": CloseForm(),
            "review_claim": ClaimReviewForm(),
            "write_off": WriteOffForm(),
            "late_recovery": LateRecoveryForm(),
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
        lambda r, f, d: services.facility_default(facility=f, actor=r.user, **d),
    ),
    "restructure": (
        RestructuringForm,
        lambda r, f, d: services.facility_report_restructuring(facility=f, actor=r.user, **d),
    ),
    "dispose": (DisposalForm, lambda r, f, d: recovery.disposal_open(facility=f, actor=r.user, **d)),
    "award": (None, lambda r, f, d: recovery.disposal_award_request(disposal=_disposal(f, r), actor=r.user)),
    "close": (
        CloseForm,
        lambda r, f, d: recovery.disposal_close_request(disposal=_disposal(f, r), actor=r.user, **d),
    ),
    "review_claim": (ClaimReviewForm, lambda r, f, d: _review_claim(r, f, d)),
    "write_off": (WriteOffForm, lambda r, f, d: recovery.write_off_request(facility=f, actor=r.user, **d)),
    "late_recovery": (
        LateRecoveryForm,
        lambda r, f, d: recovery.recovery_record_late(facility=f, actor=r.user, **d),
    ),
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
        result = call(form.cleaned_data if form is not None else {})
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
        if isinstance(result, MoneyMove):
            messages.info(request, _("Asked: a second person with the approver role must confirm it."))
            return redirect("facilities:move", pk=pk, move_pk=result.pk)
        if action != "csv":  # the import says itself what it did (or why nothing was imported)
            facility.refresh_from_db()
            messages.success(request, _done_message(action, facility))
    return redirect("facilities:detail", pk=pk)


def _review_claim(request, facility, data):
    """Pay (in full or in part: a request for a checker), reject or return the bank's claim."""
    claim = getattr(facility, "claim", None)
    if claim is None:
        raise Http404
    outcome, code, comment = data["outcome"], data["reason_code"], data["comment"]
    if outcome == "reject":
        return recovery.claim_reject(claim=claim, actor=request.user, reason_code=code, comment=comment)
    if outcome == "return":
        return recovery.claim_return(claim=claim, actor=request.user, comment=comment)
    amount = data["amount"] if outcome == "pay_part" else None
    return recovery.claim_payment_request(
        claim=claim, actor=request.user, amount=amount, reason_code=code, comment=comment
    )


PART_LABELS = {
    "claim_payment": _lazy("Claim payment to the bank"),
    "award": _lazy("Award of the IP to the buyer, for"),
    "costs": _lazy("Costs of the disposal"),
    "agency": _lazy("To the agency (its loss under the guarantee)"),
    "bank": _lazy("To the bank (its uncovered loss)"),
    "borrower": _lazy("Surplus owed to the borrower"),
    "write_off": _lazy("Written off (not recovered)"),
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
    return render(request, "facilities/money_move.html", context, status=status)


@role_required(*AGENCY_ROLES)
def move_detail(request, pk, move_pk):
    facility, move = _move_for(request, pk, move_pk)
    return _move_page(request, facility, move)


@role_required(Role.APPROVER)
@require_POST
def move_confirm(request, pk, move_pk):
    facility, move = _move_for(request, pk, move_pk)
    try:
        recovery.money_move_confirm(move=move, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("facilities:move", pk=pk, move_pk=move_pk)
    messages.success(
        request, _done_message(MOVE_ACTIONS[move.kind], facility_get_for(user=request.user, pk=pk))
    )
    return redirect("facilities:detail", pk=pk)


# the message a confirmed move ends with is the one its one-person action used to give
MOVE_ACTIONS = {
    "claim_payment": "pay_claim",
    "disposal_award": "award",
    "disposal_close": "close",
    "write_off": "write_off",
}


@role_required(Role.APPROVER)
@require_POST
def move_refuse(request, pk, move_pk):
    facility, move = _move_for(request, pk, move_pk)
    form = RefuseForm(request.POST)
    if form.is_valid():
        try:
            recovery.money_move_refuse(move=move, actor=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("Refused: nothing was paid."))
            return redirect("facilities:detail", pk=pk)
        except DomainError as exc:
            form_error_from(form, exc)
    return _move_page(request, facility, move, refuse_form=form, status=400)


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
    claim = Claim.objects.filter(
        facility=facility
    ).first()  # fresh: the action changed it on another instance
    if action == "review_claim" and claim is not None:
        values["claim_status"] = claim.get_status_display()
        return _("Claim %(ref)s: %(claim_status)s.") % values
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
        "write_off": _("Facility %(ref)s written off and closed."),
        "late_recovery": _("Recovery after the write-off recorded on %(ref)s."),
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
                **{k: v for k, v in form.cleaned_data.items() if v not in (None, "")},
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
    tier = None
    if facility is None and application.program.kind == "ip_guaranteed_loan":
        tier, _coverage, _fee = services.facility_guarantee_terms(
            application=application, term_months=CreateForm.base_fields["term_months"].initial
        )
    return {
        "facility": facility,
        "tier": tier,
        "create_form": CreateForm(),
        "lenders": application.program.partner_lenders.all(),
        "can_create": facility is None and request.user.has_role(*AGENCY_ROLES),
    }


PANELS = [CasePanel(order=60, template="facilities/_partials/case_panel.html", context=case_panel_context)]
