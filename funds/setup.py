"""The agency's fund set-up pages: its mother funds (declared size, currency), their sub-funds in any currency,
terms and licence changes. For the administrators of the anchoring agency; every change is a funds.services call."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import Organization
from accounts.roles import Role
from core.errors import DomainError
from core.web import form_error_from, role_required

from . import services
from .forms import LicenceForm, MotherFundForm, SubFundForm
from .models import Fund


def _agencies(user):
    return Organization.objects.filter(pk__in=[org.pk for org in user.organizations_for(Role.ADMINISTRATOR)])


def _fund_for(user, pk):
    """A fund anchored (directly or through its mother) by an agency the user administers; else 404."""
    agencies = _agencies(user)
    fund = get_object_or_404(Fund.objects.select_related("parent", "manager", "agency"), pk=pk)
    anchor = fund.parent.agency_id if fund.is_sub_fund else fund.agency_id
    if not agencies.filter(pk=anchor).exists():
        raise Http404
    return fund


@role_required(Role.ADMINISTRATOR)
def setup_list(request):
    mothers = (
        Fund.objects.filter(parent__isnull=True, agency__in=_agencies(request.user))
        .prefetch_related("sub_funds__manager")
        .order_by("name")
    )
    return render(request, "funds/setup_list.html", {"mothers": mothers})


def _save(request, form, call, title, **context):
    """Validate ``form`` and run ``call(cleaned_data)``; a refusal shows on the form with what was typed."""
    if request.method == "POST" and form.is_valid():
        try:
            call(form.cleaned_data)
        except DomainError as exc:
            form_error_from(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("funds:setup")
    return render(request, "funds/setup_form.html", {"form": form, "title": title, **context})


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def mother_fund_new(request):
    form = MotherFundForm(request.POST or None, agencies=_agencies(request.user))

    def create(data):
        return services.mother_fund_create(actor=request.user, **data)

    return _save(request, form, create, _("New mother fund"))


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def sub_fund_new(request, pk):
    mother = _fund_for(request.user, pk)
    if mother.is_sub_fund:
        raise Http404
    form = SubFundForm(request.POST or None, initial={"currency": mother.currency})

    def create(data):
        return services.sub_fund_create(parent=mother, actor=request.user, **data)

    title = _("New sub-fund of %(mother)s") % {"mother": mother.name}
    return _save(request, form, create, title, mother=mother)


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def fund_edit(request, pk):
    fund = _fund_for(request.user, pk)
    if fund.is_sub_fund:
        form = SubFundForm(request.POST or None, instance=fund)
        editable = services.SUB_FUND_TERMS
    else:
        form = MotherFundForm(request.POST or None, instance=fund, agencies=_agencies(request.user))
        editable = services.MOTHER_FUND_TERMS | {"size"}
    original = Fund.objects.get(pk=fund.pk)  # the form's validation writes the typed values onto ``fund``

    def update(data):
        changes = {name: data[name] for name in form.changed_data if name in editable}
        return services.fund_update(fund=original, actor=request.user, **changes)

    return _save(request, form, update, _("Terms of %(fund)s") % {"fund": original.name})


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def licence_new(request, pk):
    fund = _fund_for(request.user, pk)
    if not fund.is_sub_fund:
        raise Http404
    form = LicenceForm(request.POST or None)

    def record(data):
        return services.licence_change(
            fund=fund, actor=request.user, state=data["state"], on=data["effective_on"], note=data["note"]
        )

    title = _("Licence of %(fund)s") % {"fund": fund.name}
    return _save(request, form, record, title, history=fund.licence_events.select_related("recorded_by"))
