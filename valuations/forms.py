from django import forms
from django.utils.translation import gettext_lazy as _

from core.money import CURRENCY_CHOICES
from programs.models import TECHNOLOGY_GRADES

from .models import Method

BIG = 10**17


class OrderForm(forms.Form):
    valuer = forms.ModelChoiceField(
        label=_("Valuer"),
        queryset=None,
        required=False,
        help_text=_("Leave empty to rotate by load among the panel."),
    )
    fee = forms.DecimalField(label=_("Fee"), max_digits=20, decimal_places=2, min_value=1, max_value=BIG)

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valuer"].queryset = program.valuer_panel.all()


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class ReturnForm(forms.Form):
    comments = forms.CharField(
        label=_("What must be revised"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )


class ReportForm(forms.Form):
    assumptions = forms.CharField(
        label=_("Assumptions"), widget=forms.Textarea(attrs={"rows": 3}), max_length=8000
    )
    # No grade is pre-selected: a grade the valuer did not choose (AAA, the first on the scale) must never reach
    # the eligibility check unnoticed.
    technology_grade = forms.ChoiceField(
        label=_("Technology grade"),
        choices=[("", _("Choose the grade")), *((g, g) for g in TECHNOLOGY_GRADES)],
    )
    valid_until = forms.DateField(label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))
    pdf = forms.FileField(label=_("Signed report (PDF)"))

    def __init__(self, *args, assets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.assets = list(assets)
        for asset in self.assets:
            self.fields[f"method_{asset.pk}"] = forms.ChoiceField(
                label=_("%(a)s: method") % {"a": asset}, choices=Method.choices
            )
            for part, label in (("value", _("value")), ("low", _("low")), ("high", _("high"))):
                self.fields[f"{part}_{asset.pk}"] = forms.DecimalField(
                    label=f"{asset.registry_number}: {label}",
                    max_digits=20,
                    decimal_places=2,
                    min_value=0,
                    max_value=BIG,
                )

    def lines(self):
        data = self.cleaned_data
        return [
            {
                "asset": a,
                "method": data[f"method_{a.pk}"],
                "value": data[f"value_{a.pk}"],
                "value_low": data[f"low_{a.pk}"],
                "value_high": data[f"high_{a.pk}"],
            }
            for a in self.assets
        ]


def royalty_initial_for(order):
    """The relief-from-royalty inputs an order already knows: the company's reported revenues (oldest first, as
    the starting projection) and the earliest legal expiry of the IP valued."""
    initial = {}
    years = list(order.application.company.financial_years.order_by("year").values_list("revenue", flat=True))
    if years:
        initial["revenues"] = ", ".join(f"{revenue:.0f}" for revenue in years)
    expiries = [a.expiry_date for a in order.assets.all() if a.expiry_date]
    if expiries:
        initial["expiry_date"] = min(expiries)
    return initial


class CurrencyField(forms.ChoiceField):
    """The currency the amounts are in (their minor unit rounds the result); KRW when not given."""

    def __init__(self, **kwargs):
        super().__init__(
            label=_("Currency"), choices=CURRENCY_CHOICES, required=False, initial="KRW", **kwargs
        )

    def clean(self, value):
        return super().clean(value) or "KRW"


class RoyaltyForm(forms.Form):
    revenues = forms.CharField(
        label=_("Projected revenue per year (comma-separated)"),
        max_length=2000,
        initial="1000000000, 1200000000, 1400000000, 1500000000, 1500000000",
    )
    royalty_rate = forms.DecimalField(
        label=_("Royalty rate"), initial="0.05", min_value=0, max_value=1, max_digits=7, decimal_places=4
    )
    tax_rate = forms.DecimalField(
        label=_("Tax rate"), initial="0.22", min_value=0, max_value=1, max_digits=7, decimal_places=4
    )
    discount_rate = forms.DecimalField(
        label=_("Discount rate"), initial="0.15", min_value=0, max_value=5, max_digits=7, decimal_places=4
    )
    expiry_date = forms.DateField(label=_("Legal expiry"), widget=forms.DateInput(attrs={"type": "date"}))
    currency = CurrencyField()

    def clean_revenues(self):
        try:
            values = [
                int(v.strip().replace("_", "")) for v in self.cleaned_data["revenues"].split(",") if v.strip()
            ]
        except ValueError:
            raise forms.ValidationError(_("Whole numbers separated by commas."))
        if not values or len(values) > 50 or any(v < 0 or v > BIG for v in values):
            raise forms.ValidationError(_("Between 1 and 50 non-negative amounts."))
        return values


class CostForm(forms.Form):
    reproduction_cost = forms.DecimalField(
        label=_("Reproduction cost"), min_value=0, max_value=BIG, max_digits=20, decimal_places=2
    )
    physical = forms.DecimalField(
        label=_("Physical obsolescence (share)"),
        min_value=0,
        max_value=1,
        initial=0,
        max_digits=7,
        decimal_places=4,
    )
    functional = forms.DecimalField(
        label=_("Functional obsolescence (share)"),
        min_value=0,
        max_value=1,
        initial=0,
        max_digits=7,
        decimal_places=4,
    )
    economic = forms.DecimalField(
        label=_("Economic obsolescence (share)"),
        min_value=0,
        max_value=1,
        initial=0,
        max_digits=7,
        decimal_places=4,
    )
    currency = CurrencyField()


class ScorecardForm(forms.Form):
    """One 1–5 rating per indicator of the scorecard, grouped by area."""

    def __init__(self, *args, **kwargs):
        from .calculators import DEFAULT_INDICATORS
        from .calculators_labels import AREA_LABELS, INDICATOR_LABELS

        super().__init__(*args, **kwargs)
        self.areas = DEFAULT_INDICATORS
        for area, names in DEFAULT_INDICATORS.items():
            for name in names:
                self.fields[f"{area}:{name}"] = forms.TypedChoiceField(
                    label=f"{AREA_LABELS[area]}: {INDICATOR_LABELS[name]}",
                    coerce=int,
                    choices=[(i, i) for i in range(1, 6)],
                    initial=3,
                )

    def ratings(self):
        return {key.split(":", 1)[1]: value for key, value in self.cleaned_data.items()}
