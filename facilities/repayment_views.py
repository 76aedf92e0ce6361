"""The facility's repayments: the list (a panel of the facility page) and correction by a reversing entry."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.roles import Role
from core.errors import DomainError
from core.templatetags.ipfin_format import money
from core.web import form_error_from, role_required

from . import services
from .models import Repayment
from .selectors import PORTFOLIO_READERS, facility_get_for

READERS = (Role.LENDER_OFFICER, *PORTFOLIO_READERS)


class ReversalForm(forms.Form):
    reason = forms.CharField(
        label=_lazy("Why is this entry wrong?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_lazy("Kept with the reversing entry and in the audit log."),
    )


def repayments_panel(*, facility, user) -> dict:
    """The context of ``facilities/_partials/repayments.html``."""
    return {
        "facility": facility,
        "repayments": services.repayments_listed(facility=facility),
        "can_reverse": services.repayments_reversible_by(facility=facility, actor=user),
    }


def _repayment_for(request, pk):
    """The repayment, if the user may see its facility (another organisation's is a 404)."""
    repayment = get_object_or_404(Repayment, pk=pk)
    return facility_get_for(user=request.user, pk=repayment.facility_id), repayment


def _page(request, facility, repayment, form, status=200):
    context = {
        "facility": facility,
        "repayment": repayment,
        "form": form,
        "reversed": Repayment.objects.filter(reverses=repayment).first(),
        "can_reverse": repayment.reverses_id is None
        and services.repayments_reversible_by(facility=facility, actor=request.user),
        "outstanding": services.outstanding_principal(facility),
    }
    return render(request, "facilities/repayment_reverse.html", context, status=status)


def _reversed_message(facility, repayment):
    values = {
        "ref": repayment.reference,
        "amount": money(repayment.amount, facility.currency),
        "facility": facility.application.reference,
        "outstanding": money(services.outstanding_principal(facility), facility.currency),
    }
    return (
        _(
            "Repayment %(ref)s of %(amount)s reversed on %(facility)s: outstanding principal now %(outstanding)s."
        )
        % values
    )


@role_required(*READERS)
def repayment_reverse(request, pk):
    """GET: the entry, what reversing it does, and the reason to give; POST: the reversing entry."""
    facility, repayment = _repayment_for(request, pk)
    form = ReversalForm(request.POST if request.method == "POST" else None)
    if request.method != "POST" or not form.is_valid():
        return _page(request, facility, repayment, form, status=400 if form.is_bound else 200)
    try:
        services.repayment_reverse(
            repayment=repayment, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        form_error_from(form, exc)
        return _page(request, facility, repayment, form, status=400)
    facility.refresh_from_db()
    messages.success(request, _reversed_message(facility, repayment))
    return redirect("facilities:detail", pk=facility.pk)
