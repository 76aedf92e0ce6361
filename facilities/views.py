"""The facility pages: the list, the facility with its bank's and agency's forms, and one view per write.

The recovery side of the page (claim, disposals, money moves, write-off) is the recoveries app's panel
(``FACILITY_PANELS`` in its ``panels.py``); its writes are its own views. They re-render this page through
``facility_page`` and post through ``facility_post``.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import AGENCY_ROLES, Role
from casework.selectors import case_get_for
from core.errors import DomainError
from core.panels import all_panels
from core.templatetags.ipfin_format import money
from core.uploads import CSV, check_upload, read_text
from core.web import form_error_from, role_required

from . import services
from .forms import CreateForm, CsvForm, DefaultForm, DisbursementForm, RepaymentForm, RestructuringForm
from .selectors import PORTFOLIO_READERS, facility_get_for, facility_visible_to

READERS = (Role.LENDER_OFFICER, *PORTFOLIO_READERS)


@role_required(*READERS)
def facility_list(request):
    facilities = facility_visible_to(user=request.user).order_by("-created_at")
    page = Paginator(facilities, 50).get_page(request.GET.get("page"))
    return render(request, "facilities/facility_list.html", {"page": page})


@role_required(*READERS)
def facility_detail(request, pk):
    return facility_page(request, facility_get_for(user=request.user, pk=pk))


# --- the page ----------------------------------------------------------------------------------------------------


def facility_page(request, facility, *, bound=None, status=200):
    """The facility page; ``bound`` holds the forms of a refused post by name, shown with what was typed."""
    bound = bound or {}
    context = {
        "facility": facility,
        "installments": facility.installments.all(),
        "repayments": facility.repayments.all(),
        "pledges": facility.pledges.select_related("asset"),
        "outstanding": services.outstanding_principal(facility),
        "subsidy_cost": services.interest_subsidy_cost(facility),
        "fees": services.guarantee_fee_schedule(facility),
        "events": facility.events.all(),
        "forms": _forms(facility, bound),
        "panels": _panels(request, facility, bound),
        **parties(request, facility),
    }
    return render(request, "facilities/facility_detail.html", context, status=status)


def parties(request, facility):
    """Whether the user acts for the facility's bank and for its program's agency."""
    return {
        "is_lender": facility.lender in request.user.organizations_for(Role.LENDER_OFFICER),
        "is_agency": facility.application.program.agency in request.user.organizations_for(*AGENCY_ROLES),
    }


def _forms(facility, bound):
    forms = {
        "disburse": DisbursementForm(initial={"amount": facility.principal}),
        "repay": RepaymentForm(),
        "csv": CsvForm(),
        "default": DefaultForm(),
        "restructure": RestructuringForm(),
    }
    return {**forms, **{name: form for name, form in bound.items() if name in forms}}


def _panels(request, facility, bound):
    """The panels other apps add to the page (``FACILITY_PANELS``: context(request, facility, bound))."""
    rendered = []
    for panel in all_panels("FACILITY_PANELS"):
        context = panel.context(request, facility, bound)
        if context is not None:
            rendered.append(
                render_to_string(panel.template, {**context, "facility": facility}, request=request)
            )
    return rendered


# --- the writes ----------------------------------------------------------------------------------------------------


def facility_post(request, pk, *, name, form_class, run, respond):
    """Validate ``form_class`` (None: no form), call ``run(facility, data)`` and answer with
    ``respond(request, facility, result)``; a refusal re-renders the page with the input kept (400)."""
    facility = facility_get_for(user=request.user, pk=pk)
    form = form_class(request.POST, request.FILES) if form_class else None
    if form is not None and not form.is_valid():
        return facility_page(request, facility, bound={name: form}, status=400)
    try:
        result = run(facility, form.cleaned_data if form is not None else {})
    except DomainError as exc:
        if form is None:
            messages.error(request, exc.message)
            return redirect("facilities:detail", pk=facility.pk)
        form_error_from(form, exc)
        return facility_page(request, facility, bound={name: form}, status=400)
    return respond(request, facility, result)


def done_message(facility, text, **extra):
    """``text`` filled with what the action changed on which facility, for whom, and the amount."""
    facility.refresh_from_db()
    values = {
        "ref": facility.application.reference,
        "company": facility.application.company.legal_name,
        "lender": facility.lender.name,
        "principal": money(facility.principal, facility.currency),
        "outstanding": money(services.outstanding_principal(facility), facility.currency),
        "status": facility.get_status_display(),
    }
    return text % {**values, **extra}


def said(text):
    """A ``respond`` that says ``text`` (see ``done_message``) and shows the facility again."""

    def respond(request, facility, result):
        messages.success(request, done_message(facility, text))
        return redirect("facilities:detail", pk=facility.pk)

    return respond


@role_required(Role.LENDER_OFFICER)
@require_POST
def disburse(request, pk):
    def run(facility, data):
        return services.facility_disburse(facility=facility, actor=request.user, **data)

    text = _("Facility %(ref)s disbursed: %(principal)s from %(lender)s to %(company)s.")
    return facility_post(
        request, pk, name="disburse", form_class=DisbursementForm, run=run, respond=said(text)
    )


@role_required(Role.LENDER_OFFICER)
@require_POST
def repay(request, pk):
    def run(facility, data):
        return services.repayment_record(facility=facility, actor=request.user, **data)

    text = _("Repayment recorded on %(ref)s: outstanding principal now %(outstanding)s.")
    return facility_post(request, pk, name="repay", form_class=RepaymentForm, run=run, respond=said(text))


@role_required(Role.LENDER_OFFICER)
@require_POST
def repayments_csv(request, pk):
    def run(facility, data):
        return _import(request, facility, data["file"])

    def respond(request, facility, result):  # the import says itself what it did (or why nothing was)
        return redirect("facilities:detail", pk=facility.pk)

    return facility_post(request, pk, name="csv", form_class=CsvForm, run=run, respond=respond)


@role_required(Role.LENDER_OFFICER)
@require_POST
def restructure(request, pk):
    def run(facility, data):
        return services.facility_report_restructuring(facility=facility, actor=request.user, **data)

    text = _("Facility %(ref)s restructured; outstanding principal %(outstanding)s.")
    form_class = RestructuringForm
    return facility_post(request, pk, name="restructure", form_class=form_class, run=run, respond=said(text))


@role_required(*READERS)
@require_POST
def default(request, pk):
    def run(facility, data):
        return services.facility_default(facility=facility, actor=request.user, **data)

    text = _("Facility %(ref)s declared in default.")
    return facility_post(request, pk, name="default", form_class=DefaultForm, run=run, respond=said(text))


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
    if not (form.is_valid() and lender is not None):
        messages.error(request, _("Choose a partner bank, a term and a schedule."))
        return redirect("casework:case", pk=case_pk)
    try:
        facility = _create(request, case, lender, form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("casework:case", pk=case_pk)
    messages.success(
        request, _("Facility created; the IP is pledged, pending registration with the IP office.")
    )
    return redirect("facilities:detail", pk=facility.pk)


def _create(request, case, lender, data):
    return services.facility_create_from_application(
        application=case,
        actor=request.user,
        lender=lender,
        **{k: v for k, v in data.items() if v not in (None, "")},
        pledges=[(a, "", None) for a in case.ip_assets.all()],  # pending: registered on the pledge panel
    )
