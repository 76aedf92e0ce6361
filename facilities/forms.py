import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DEFAULT_REASONS, THRESHOLD

BIG = 10**17


def money_field(label):
    """An amount: Decimal, two places at most (the service checks the currency's own minor unit)."""
    return forms.DecimalField(label=label, max_digits=20, decimal_places=2, min_value=0, max_value=BIG)


class DisbursementForm(forms.Form):
    amount = money_field(_("Amount disbursed"))
    disbursed_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    idempotency_key = forms.CharField(
        widget=forms.HiddenInput, max_length=100, initial=lambda: uuid.uuid4().hex
    )


class RepaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = money_field(_("Amount"))
    reference = forms.CharField(label=_("Bank reference"), max_length=100)


class CsvForm(forms.Form):
    file = forms.FileField(label=_("CSV file: date, amount, reference"))


class DefaultForm(forms.Form):
    """A default declared by a person: a coded reason (the nightly job declares at the DPD threshold)."""

    reason_code = forms.ChoiceField(label=_("Reason"), choices=())
    comment = forms.CharField(label=_("Comment"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason_code"].choices = [
            *DEFAULT_REASONS.items(),
            (THRESHOLD, _("Days past due reached the program's threshold")),
        ]


class CreateForm(forms.Form):
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=360, initial=36)
    schedule_type = forms.ChoiceField(
        label=_("Schedule"),
        choices=[
            ("annuity", _("Annuity")),
            ("equal_principal", _("Equal principal")),
            ("bullet", _("Bullet")),
        ],
    )
    coverage_ratio = forms.DecimalField(
        label=_("Override: coverage (approver, e.g. 0.75)"),
        required=False,
        max_digits=7,
        decimal_places=4,
        min_value=0,
        max_value=1,
    )
    guarantee_fee_rate = forms.DecimalField(
        label=_("Override: annual fee (approver, e.g. 0.01)"),
        required=False,
        max_digits=7,
        decimal_places=4,
        min_value=0,
        max_value=1,
    )
    override_reason = forms.CharField(
        label=_("Why the tier's terms are overridden"), required=False, max_length=300
    )
