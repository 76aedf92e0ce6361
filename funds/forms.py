from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FlowKind


class CashFlowForm(forms.Form):
    kind = forms.ChoiceField(label=_("Entry"), choices=FlowKind.choices)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=20, decimal_places=2, min_value=-(10**17), max_value=10**17
    )
    cash = forms.DecimalField(
        label=_("Cash held (with a NAV)"),
        max_digits=20,
        decimal_places=2,
        required=False,
        min_value=-(10**17),
        max_value=10**17,
    )
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    corrects = forms.IntegerField(label=_("Corrects entry #"), required=False, min_value=1, max_value=2**62)


class DealForm(forms.Form):
    name = forms.CharField(label=_("Deal"), max_length=200)
    considered_on = forms.DateField(label=_("Considered on"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=20, decimal_places=2, min_value=0, max_value=10**17
    )
    overseas_revenue_share = forms.DecimalField(
        label=_("Overseas revenue share (0–1)"),
        max_digits=7,
        decimal_places=4,
        min_value=0,
        max_value=1,
        required=False,
    )
    main_purpose_share = forms.DecimalField(
        label=_("Share in the main purpose (0–1)"),
        max_digits=7,
        decimal_places=4,
        min_value=0,
        max_value=1,
        required=False,
    )
