from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.roles import OrganizationKind

from .models import FlowKind, Fund, LicenceState


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


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PERIOD_FIELDS = ["vintage", "investment_period_start", "investment_period_end", "term_years"]
RULE_FIELDS = ["category", "management_fee_rate", "min_overseas_revenue_share", "min_main_purpose_share"]


class MotherFundForm(forms.ModelForm):
    """A mother fund: its declared size and currency, anchored by one of the agencies the user administers."""

    class Meta:
        model = Fund
        fields = ["agency", "name", "currency", "declared_size", "size", *PERIOD_FIELDS]
        labels = {"declared_size": _("Declared size"), "size": _("Capital it may commit")}
        help_texts = {
            "declared_size": _("As announced when the fund was set up; fixed afterwards."),
            "size": _("Bounds the commitments to sub-funds; may change with later budgets."),
        }
        widgets = {"investment_period_start": DATE, "investment_period_end": DATE}

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["agency"].required = True
        self.fields["agency"].empty_label = None
        self.fields["declared_size"].required = not self.instance.pk
        if self.instance.pk:
            self.fields["currency"].disabled = True
            self.fields["agency"].disabled = True
            self.fields["declared_size"].disabled = True

    def clean_declared_size(self):
        declared = self.cleaned_data.get("declared_size")
        if declared is not None and declared <= 0:
            raise forms.ValidationError(_("The declared size must be positive."))
        return declared


class SubFundForm(forms.ModelForm):
    """A sub-fund in any currency: committed size and its public/private split, the commitment's date (for the
    rate into the mother fund's currency), period, rules and manager."""

    committed_on = forms.DateField(
        label=_("Commitment date"),
        widget=DATE,
        help_text=_("The rate into the mother fund's currency is the latest entered on or before this day."),
    )

    class Meta:
        model = Fund
        fields = [
            "name",
            "manager",
            "currency",
            "size",
            "public_commitment",
            "private_commitment",
            *PERIOD_FIELDS,
            *RULE_FIELDS,
        ]
        labels = {"size": _("Committed size")}
        widgets = {"investment_period_start": DATE, "investment_period_end": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = Organization.objects.filter(
            kind=OrganizationKind.FUND_MANAGER, is_active=True
        )
        self.fields["manager"].required = True
        if self.instance.pk:  # size, split and currency are fixed at the commitment
            for name in ("currency", "size", "public_commitment", "private_commitment", "committed_on"):
                self.fields[name].disabled = True
            self.fields["committed_on"].required = False

    def clean(self):
        data = super().clean()
        size = data.get("size")
        if not self.instance.pk and size is not None:
            public, private = data.get("public_commitment") or 0, data.get("private_commitment") or 0
            if public + private != size:
                self.add_error(
                    "private_commitment", _("Public and private commitments must add up to the size.")
                )
        return data


class LicenceForm(forms.Form):
    state = forms.ChoiceField(label=_("Licence"), choices=LicenceState.choices)
    effective_on = forms.DateField(label=_("Effective on"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class FollowUpPlanForm(forms.Form):
    plan = forms.CharField(
        label=_("Remediation plan"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    due = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))


class FollowUpNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000, required=False
    )
