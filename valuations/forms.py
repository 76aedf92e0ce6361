from django import forms
from django.utils.translation import gettext_lazy as _

from programs.models import TECHNOLOGY_GRADES

from .models import Method

BIG = 10**17


class OrderForm(forms.Form):
    valuer = forms.ModelChoiceField(label=_("Valuer"), queryset=None, required=False,
                                    help_text=_("Leave empty to rotate by load among the panel."))
    fee = forms.DecimalField(label=_("Fee"), max_digits=20, decimal_places=2, min_value=1, max_value=BIG)

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valuer"].queryset = program.valuer_panel.all()


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class ReturnForm(forms.Form):
    comments = forms.CharField(label=_("What must be revised"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class ReportForm(forms.Form):
    assumptions = forms.CharField(label=_("Assumptions"), widget=forms.Textarea(attrs={"rows": 3}), max_length=8000)
    technology_grade = forms.ChoiceField(label=_("Technology grade"), choices=[(g, g) for g in TECHNOLOGY_GRADES])
    valid_until = forms.DateField(label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))
    pdf = forms.FileField(label=_("Signed report (PDF)"))

    def __init__(self, *args, assets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.assets = list(assets)
        for asset in self.assets:
            self.fields[f"method_{asset.pk}"] = forms.ChoiceField(label=_("%(a)s: method") % {"a": asset}, choices=Method.choices)
            for part, label in (("value", _("value")), ("low", _("low")), ("high", _("high"))):
                self.fields[f"{part}_{asset.pk}"] = forms.DecimalField(
                    label=f"{asset.registry_number}: {label}", max_digits=20, decimal_places=2, min_value=0, max_value=BIG)

    def lines(self):
        data = self.cleaned_data
        return [{"asset": a, "method": data[f"method_{a.pk}"], "value": data[f"value_{a.pk}"],
                 "value_low": data[f"low_{a.pk}"], "value_high": data[f"high_{a.pk}"]} for a in self.assets]


class RoyaltyForm(forms.Form):
    revenues = forms.CharField(label=_("Projected revenue per year (comma-separated)"), max_length=2000,
                               initial="1000000000, 1200000000, 1400000000, 1500000000, 1500000000")
    royalty_rate = forms.DecimalField(label=_("Royalty rate"), initial="0.05", min_value=0, max_value=1, max_digits=7,
                                      decimal_places=4)
    tax_rate = forms.DecimalField(label=_("Tax rate"), initial="0.22", min_value=0, max_value=1, max_digits=7, decimal_places=4)
    discount_rate = forms.DecimalField(label=_("Discount rate"), initial="0.15", min_value=0, max_value=5, max_digits=7,
                                       decimal_places=4)
    expiry_date = forms.DateField(label=_("Legal expiry"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_revenues(self):
        try:
            values = [int(v.strip().replace("_", "")) for v in self.cleaned_data["revenues"].split(",") if v.strip()]
        except ValueError:
            raise forms.ValidationError(_("Whole numbers separated by commas."))
        if not values or len(values) > 50 or any(v < 0 or v > BIG for v in values):
            raise forms.ValidationError(_("Between 1 and 50 non-negative amounts."))
        return values
