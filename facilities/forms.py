import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from facilities.services import DEFAULT_REASONS, THRESHOLD
from recoveries.models import PART_PAYMENT_REASONS, REJECTION_REASONS, Channel, ClaimReason
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


class ClaimReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Review"),
        choices=[
            ("pay_full", _("Pay in full")),
            ("pay_part", _("Pay in part")),
            ("reject", _("Reject")),
            ("return", _("Return for documents")),
        ],
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(
        label=_("Amount to pay (in part)"),
        required=False,
        max_digits=20,
        decimal_places=2,
        min_value=0,
        max_value=BIG,
    )
    reason_code = forms.ChoiceField(
        label=_("Reason (part payment or rejection)"),
        required=False,
        choices=[("", "—")] + [(c, label) for c, label in ClaimReason.choices],
    )
    comment = forms.CharField(
        label=_("Comment (for a return: the documents missing)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )

    def clean(self):
        data = super().clean()
        outcome, code = data.get("outcome"), data.get("reason_code")
        if outcome == "pay_part" and data.get("amount") is None:
            self.add_error("amount", _("Enter the amount to pay."))
        if outcome == "pay_part" and code not in PART_PAYMENT_REASONS:
            self.add_error("reason_code", _("Choose a part-payment reason (P…)."))
        if outcome == "reject" and code not in REJECTION_REASONS:
            self.add_error("reason_code", _("Choose a rejection reason (J…)."))
        if outcome == "return" and not data.get("comment", "").strip():
            self.add_error("comment", _("Say which documents are missing."))
        return data


class CloseForm(forms.Form):
    proceeds = forms.DecimalField(
        label=_("Proceeds"), max_digits=20, decimal_places=2, min_value=0, max_value=BIG
    )
    costs = forms.DecimalField(
        label=_("Costs of the disposal (paid first)"),
        required=False,
        max_digits=20,
        decimal_places=2,
        min_value=0,
        max_value=BIG,
    )
    write_off_reason = forms.ChoiceField(
        label=_("Write-off reason (if not all is recovered)"),
        required=False,
        choices=[("", "—"), *WRITE_OFF_REASONS.items()],
    )


class WriteOffForm(forms.Form):
    reason = forms.ChoiceField(label=_("Write-off reason"), choices=list(WRITE_OFF_REASONS.items()))


class LateRecoveryForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount received"), max_digits=20, decimal_places=2, min_value=0, max_value=BIG
    )
    received_on = forms.DateField(label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.CharField(label=_("From (sale, settlement …)"), max_length=200)


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why refused"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
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
