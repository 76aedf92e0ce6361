from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import Role
from applications.selectors import application_get_for_staff
from core.errors import DomainError
from core.panels import CasePanel
from core.templatetags.ipfin_format import money
from core.web import form_error_from, role_required, safe_next_url

from . import services
from .calculators_web import CALCULATORS, calculator_forms, calculator_inputs, calculator_results, plain
from .forms import DeclineForm, OrderForm, ReportForm, ReturnForm
from .models import ValuationReport
from .selectors import order_get_for, orders_visible_to

READERS = (Role.VALUER, Role.CASE_OFFICER, Role.APPROVER, Role.ADMINISTRATOR)


@role_required(*READERS)
def order_list(request):
    orders = orders_visible_to(user=request.user).order_by("due_date")
    return render(request, "valuations/order_list.html", {"orders": orders, "today": timezone.localdate()})


def _detail(request, order, forms=None, status=200):
    return render(
        request,
        "valuations/order_detail.html",
        {
            "order": order,
            "reports": order.reports.prefetch_related("lines__asset", "calculations"),
            "pending_calculations": order.calculations.filter(report=None),
            "assets": order.assets.all(),
            "is_valuer": order.valuer in request.user.organizations_for(Role.VALUER),
            "forms": {
                "decline": DeclineForm(),
                "report": ReportForm(assets=order.assets.all()),
                "return": ReturnForm(),
                **(forms or {}),
            },
        },
        status=status,
    )


@role_required(*READERS)
def order_detail(request, pk):
    return _detail(request, order_get_for(user=request.user, pk=pk))


ACTIONS = {
    "accept": (None, lambda r, o, f: services.valuation_order_accept(order=o, actor=r.user)),
    "decline": (
        DeclineForm,
        lambda r, o, f: services.valuation_order_decline(order=o, actor=r.user, **f.cleaned_data),
    ),
    "report": (
        ReportForm,
        lambda r, o, f: services.valuation_report_submit(
            order=o,
            actor=r.user,
            lines=f.lines(),
            assumptions=f.cleaned_data["assumptions"],
            technology_grade=f.cleaned_data["technology_grade"],
            valid_until=f.cleaned_data["valid_until"],
            pdf=f.cleaned_data["pdf"],
        ),
    ),
    "agency_accept": (None, lambda r, o, f: services.valuation_order_agency_accept(order=o, actor=r.user)),
    "return": (
        ReturnForm,
        lambda r, o, f: services.valuation_order_return(order=o, actor=r.user, **f.cleaned_data),
    ),
    "cancel": (None, lambda r, o, f: services.valuation_order_cancel(order=o, actor=r.user)),
}


@role_required(*READERS)
@require_POST
def order_action(request, pk, action):
    order = order_get_for(user=request.user, pk=pk)
    if action not in ACTIONS:
        raise Http404
    form_class, call = ACTIONS[action]
    form = _action_form(request, order, form_class)
    if form is not None and not form.is_valid():
        return _detail(request, order, {action: form}, status=400)
    try:
        call(request, order, form)
    except DomainError as exc:
        if form is None:
            messages.error(request, exc.message)
            return redirect(safe_next_url(request, reverse("valuations:order", kwargs={"pk": pk})))
        form_error_from(form, exc)
        return _detail(request, order, {action: form}, status=400)
    order.refresh_from_db()
    messages.success(request, _done_message(action, order))
    return redirect(safe_next_url(request, reverse("valuations:order", kwargs={"pk": pk})))


def _action_form(request, order, form_class):
    if form_class is ReportForm:
        return ReportForm(request.POST, request.FILES, assets=order.assets.all())
    return form_class(request.POST) if form_class is not None else None


def _report_done_message(order, values):
    """The submitted report's value and grade, for the valuer's confirmation."""
    report = order.reports.order_by("-version").first()
    values["value"] = money(report.total_value, report.currency) if report else "—"
    values["grade"] = report.technology_grade if report else "—"
    return _("Valuation report for %(ref)s submitted: %(value)s, technology grade %(grade)s.") % values


def _done_message(action, order):
    """What the action changed on which order, for whom, and the amount."""
    values = {
        "ref": order.application.reference,
        "valuer": order.valuer.name,
        "fee": money(order.fee, order.application.currency),
        "status": order.get_status_display(),
    }
    if action == "report":
        return _report_done_message(order, values)
    texts = {
        "accept": _(
            "Order for %(ref)s accepted by %(valuer)s (fee %(fee)s): submit the report when it is ready."
        ),
        "decline": _("Order for %(ref)s declined by %(valuer)s; the officer is told."),
        "agency_accept": _("Valuation of %(ref)s by %(valuer)s accepted."),
        "return": _("Valuation of %(ref)s returned to %(valuer)s for rework."),
        "cancel": _("Order for %(ref)s at %(valuer)s cancelled."),
    }
    return texts.get(action, _("Order for %(ref)s: %(status)s.")) % values


@role_required(Role.CASE_OFFICER)
@require_POST
def order_create(request, case_pk):
    case = application_get_for_staff(user=request.user, pk=case_pk)
    form = OrderForm(request.POST, program=case.program)
    if form.is_valid():
        try:
            services.valuation_order_create(
                application=case,
                actor=request.user,
                fee=form.cleaned_data["fee"],
                valuer=form.cleaned_data["valuer"],
            )
            messages.success(request, _("Valuation ordered."))
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, " ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items()))
    return redirect("casework:case", pk=case_pk)


@role_required(*READERS)
def report_pdf(request, pk):
    report = ValuationReport.objects.filter(pk=pk).first()
    if report is None:
        raise Http404
    order_get_for(user=request.user, pk=report.order_id)
    path = settings.MEDIA_ROOT / report.pdf_storage_name
    if not path.exists():
        raise Http404
    response = FileResponse(
        open(path, "rb"),
        as_attachment=True,
        filename=report.pdf_original_name,
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _calculator_order(request, source):
    """The order the calculator was opened from (read through the selector: another firm's order is a 404)."""
    order_id = source.get("order", "")
    if order_id and not order_id.isdigit():
        raise Http404
    return order_get_for(user=request.user, pk=int(order_id)) if order_id else None


def _calculator_page(request, order, forms, status=200):
    context = {
        "forms": forms,
        "results": calculator_results(forms),
        "order": order,
        "can_attach": order is not None
        and order.valuer in request.user.organizations_for(Role.VALUER)
        and "submit" in order.allowed_actions(),
    }
    return render(request, "valuations/calculator.html", context, status=status)


@role_required(*READERS)
def calculator(request):
    """Relief from royalty (pre-filled from the order it was opened from), cost approach and scorecard."""
    order = _calculator_order(request, request.GET)
    which = request.GET.get("calc")
    forms = calculator_forms(data=request.GET if which else None, which=which, order=order)
    return _calculator_page(request, order, forms)


@role_required(Role.VALUER)
@require_POST
def calculation_attach(request, pk):
    """Compute again from the posted inputs and attach inputs and result to the order's next report."""
    order = order_get_for(user=request.user, pk=pk)
    which = request.POST.get("calc")
    if which not in CALCULATORS:
        raise Http404
    forms = calculator_forms(data=request.POST, which=which, order=order)
    if not forms[which].is_valid():
        return _calculator_page(request, order, forms, status=400)
    result = calculator_results(forms)[which]
    try:
        _attach(request, order, which, forms[which], result)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _calculator_page(request, order, forms, status=400)
    messages.success(request, _attached_message(which, order, result))
    return redirect("valuations:order", pk=pk)


def _attach(request, order, which, form, result):
    services.valuation_calculation_attach(
        order=order, actor=request.user, kind=which, inputs=calculator_inputs(form), result=plain(result)
    )


def _attached_message(which, order, result):
    values = {"ref": order.application.reference, "currency": order.application.program.currency}
    if which == "scorecard":
        values["grade"] = result["grade"]
        return _("Scorecard (grade %(grade)s) attached to the report for %(ref)s.") % values
    values["value"] = money(result["total"] if which == "royalty" else result["value"], values["currency"])
    if which == "royalty":
        return _("Relief-from-royalty value %(value)s attached to the report for %(ref)s.") % values
    return _("Cost-approach value %(value)s attached to the report for %(ref)s.") % values


def case_panel_context(request, application):
    orders = application.valuation_orders.select_related("valuer").prefetch_related("reports")
    if not orders and application.status != "valuation":
        return None
    return {
        "orders": orders,
        "order_form": OrderForm(program=application.program),
        "can_order": application.status == "valuation" and request.user.has_role(Role.CASE_OFFICER),
        "flags": application.valuation_flags.all(),
    }


PANELS = [CasePanel(order=40, template="valuations/_partials/case_panel.html", context=case_panel_context)]
