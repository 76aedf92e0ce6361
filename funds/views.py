from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import Role
from core.errors import DomainError
from core.web import form_error_from, role_required

from . import services
from .forms import CashFlowForm, DealForm
from .models import CashFlow, Validation
from .reports import metrics_of
from .selectors import READ_ALL, fund_get_for, fund_visible_to, fund_writable_by

READERS = (Role.FUND_MANAGER, *READ_ALL)


@role_required(*READERS)
def fund_list(request):
    funds = (
        fund_visible_to(user=request.user)
        .filter(parent__isnull=False)
        .annotate(pending=Count("cash_flows", filter=Q(cash_flows__validation=Validation.PENDING)))
        .order_by("parent_id", "name")
    )
    return render(request, "funds/fund_list.html", {"funds": funds})


def _entry(form, fund, request):
    data = form.cleaned_data
    corrects = None
    if data.get("corrects"):
        corrects = CashFlow.objects.filter(pk=data["corrects"], fund=fund).first()
        if corrects is None:
            form.add_error("corrects", _("No such entry in this fund."))
            return False
    services.cash_flow_record(
        fund=fund,
        actor=request.user,
        kind=data["kind"],
        date=data["date"],
        amount=data["amount"],
        cash=data.get("cash"),
        description=data.get("description", ""),
        corrects=corrects,
    )
    return True


def _record(request, fund, form):
    """Record the posted entry or deal; True when recorded (a refusal stays on the form, with what was typed)."""
    if not form.is_valid():
        return False
    try:
        if "entry" in request.POST:
            return _entry(form, fund, request)
        services.deal_screen(fund=fund, actor=request.user, **form.cleaned_data)
        return True
    except DomainError as exc:
        form_error_from(form, exc)
        return False


def _detail_context(request, fund, writable, entry_form, deal_form):
    flows = fund.cash_flows.select_related("submitted_by").order_by("-date", "-id")
    return {
        "fund": fund,
        "page": Paginator(flows, 100).get_page(request.GET.get("page")),
        "metrics": metrics_of([fund], timezone.localdate())[0],
        "writable": writable,
        "entry_form": entry_form,
        "deal_form": deal_form,
        "deals": fund.deals.all()[:50],
        "can_validate": request.user.has_role(Role.ADMINISTRATOR, Role.CASE_OFFICER, Role.APPROVER),
    }


@role_required(*READERS)
def fund_detail(request, pk):
    fund = fund_get_for(user=request.user, pk=pk)
    writable = fund_writable_by(user=request.user, fund=fund)
    entry_form = CashFlowForm(request.POST if "entry" in request.POST else None)
    deal_form = DealForm(request.POST if "deal" in request.POST else None)
    if request.method == "POST" and not writable:
        messages.error(request, _("Only the fund's manager records entries."))
    elif request.method == "POST":
        if _record(request, fund, entry_form if "entry" in request.POST else deal_form):
            messages.success(request, _("Recorded."))
            return redirect("funds:detail", pk=pk)
    context = _detail_context(request, fund, writable, entry_form, deal_form)
    return render(request, "funds/fund_detail.html", context)


@role_required(Role.ADMINISTRATOR, Role.CASE_OFFICER, Role.APPROVER)
@require_POST
def validate_entry(request, pk, entry_pk):
    fund = fund_get_for(user=request.user, pk=pk)
    entry = CashFlow.objects.filter(pk=entry_pk, fund=fund).first()
    if entry is None:
        from django.http import Http404

        raise Http404
    try:
        services.cash_flow_validate(entry=entry, actor=request.user, accept=request.POST.get("accept") == "1")
        messages.success(request, _("Entry reviewed."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("funds:detail", pk=pk)
