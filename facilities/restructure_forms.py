"""The forms of the restructuring and tranche pages (``facilities.restructure_views``)."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

BIG = 10**17


class ProposalForm(forms.Form):
    grace_months = forms.IntegerField(
        label=_("Grace period (months of interest only)"), min_value=0, max_value=120, initial=0
    )
    extension_months = forms.IntegerField(
        label=_("Term extension (months)"), min_value=0, max_value=240, initial=0
    )
    new_rate = forms.DecimalField(
        label=_("New annual rate (0.015 = 1.5 %; empty: unchanged)"),
        max_digits=7,
        decimal_places=4,
        min_value=0,
        max_value=1,
        required=False,
    )
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class TrancheForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=20, decimal_places=2, min_value=0, max_value=BIG
    )
    disbursed_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    milestone = forms.CharField(label=_("Milestone"), max_length=200, required=False)
    idempotency_key = forms.CharField(
        widget=forms.HiddenInput, max_length=100, initial=lambda: uuid.uuid4().hex
    )


class RefusalForm(forms.Form):
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
