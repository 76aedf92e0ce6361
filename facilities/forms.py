import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from facilities.services import DEFAULT_REASONS, THRESHOLD
from recoveries.models import Channel
from recoveries.services import CLAIM_CHECKLIST, WRITE_OFF_REASONS

BIG = 10**17


class DisbursementForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount disbursed"), max_digits=20, decimal_places=2, min_value=0, max_value=BIG
    )
    disbursed_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    idempotency_key = forms.CharField(
        widget=forms.HiddenInput, max_length=100, initial=lambda: uuid.uuid4().hex
    )


class RepaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=20, decimal_places=2, min_value=0, max_value=BIG
    )
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


class RestructuringForm(forms.Form):
    description = forms.CharField(
        label=_("Restructuring"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )


class ClaimForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n, item in enumerate(CLAIM_CHECKLIST):
            self.fields[f"item_{n}"] = forms.BooleanField(label=item.capitalize(), required=False)

    def checklist(self):
        return {item: self.cleaned_data[f"item_{n}"] for n, item in enumerate(CLAIM_CHECKLIST)}


class DisposalForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    reappraisal_fee = forms.DecimalField(
        label=_("Order a re-appraisal from the panel: fee"),
        required=False,
        max_digits=20,
        decimal_places=2,
        min_value=1,
        max_value=BIG,
    )
    reappraised_value = forms.DecimalField(
        label=_("Re-appraised value (if already known)"),
        required=False,
        max_digits=20,
        decimal_places=2,
        min_value=0,
        max_value=BIG,
    )
    opening_price = forms.DecimalField(
        label=_("Opening price (auction)"),
        required=False,
        max_digits=20,
        decimal_places=2,
        min_value=0,
        max_value=BIG,
    )
    bids_close_on = forms.DateField(
        label=_("Bids close on (auction, ≤ 30 days)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class CloseForm(forms.Form):
    proceeds = forms.DecimalField(
        label=_("Proceeds"), max_digits=20, decimal_places=2, min_value=0, max_value=BIG
    )
    write_off_reason = forms.ChoiceField(
        label=_("Write-off reason (if not all is recovered)"),
        required=False,
        choices=[("", "—"), *WRITE_OFF_REASONS.items()],
    )


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
