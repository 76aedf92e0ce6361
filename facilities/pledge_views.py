"""Pledge registration screens: the bank or the agency enters the IP office's number and date; pending
registrations, the overdue first."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.roles import AGENCY_ROLES, Role
from core.errors import DomainError, InvalidInput
from core.web import role_required

from .pledges import pledge_record_registration, pledges_pending_for

REGISTRARS = (Role.LENDER_OFFICER, *AGENCY_ROLES)


class RegistrationForm(forms.Form):
    registration_reference = forms.CharField(label=gettext_lazy("Office registration number"), max_length=100)
    registered_on = forms.DateField(
        label=gettext_lazy("Registered on"), widget=forms.DateInput(attrs={"type": "date"})
    )


def _pledge_for(user, pk):
    pledge = pledges_pending_for(user=user).filter(pk=pk).first()
    if pledge is None:
        raise Http404
    return pledge


def _back_with_input(request, pledge):
    """Back to the facility page with what was typed, so the pledge's form shows it again beside the error."""
    typed = {name: request.POST.get(name, "")[:100] for name in RegistrationForm.base_fields}
    url = reverse("facilities:detail", args=[pledge.facility_id])
    return redirect(f"{url}?{urlencode({'pledge': pledge.pk, **typed})}#pledges-h")


@role_required(*REGISTRARS)
@require_POST
def pledge_register(request, pk):
    pledge = _pledge_for(request.user, pk)
    form = RegistrationForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput(next(iter(form.errors.values()))[0])
        pledge_record_registration(pledge=pledge, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back_with_input(request, pledge)
    messages.success(request, _("The pledge of %(asset)s is registered.") % {"asset": pledge.asset})
    return redirect("facilities:detail", pk=pledge.facility_id)


@role_required(*REGISTRARS, Role.OFFICIAL)
def pledges_pending(request):
    pledges = pledges_pending_for(user=request.user)[:500]
    return render(
        request, "facilities/pledges_pending.html", {"pledges": pledges, "today": timezone.localdate()}
    )
