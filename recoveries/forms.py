"""The recovery side's forms: buyers and bids, the claim and its review, the disposal, the write-off, the checker."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization

from .models import (
    MAX_BID_DAYS,
    PART_PAYMENT_REASONS,
    REJECTION_REASONS,
    WRITE_OFF_REASONS,
    Channel,
    ClaimReason,
)
from .services import CLAIM_CHECKLIST

BIG = 10**17


def money_field(label, *, required=True, min_value=0):
    """An amount: Decimal, two places at most (the service checks the currency's own minor unit)."""
    return forms.DecimalField(
        label=label, required=required, max_digits=20, decimal_places=2, min_value=min_value, max_value=BIG
    )


class BidForm(forms.Form):
    """A registered buyer's bid; the organisation is asked only of a person acting for several buyers."""

    buyer = forms.ModelChoiceField(label=_("Bid for"), queryset=None, required=False)
    amount = money_field(_("Bid"), min_value=1)

    def __init__(self, *args, registrations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buyer"].queryset = registrations
        self.fields["buyer"].label_from_instance = lambda buyer: buyer.organization.name


class BuyerRegisterForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    note = forms.CharField(label=_("Note (how the buyer was checked)"), max_length=300, required=False)

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(
            kind__in=kinds, is_active=True
        ).order_by("name")


class ClaimForm(forms.Form):
    """The bank's checklist: one box per item of ``CLAIM_CHECKLIST``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n, item in enumerate(CLAIM_CHECKLIST):
            self.fields[f"item_{n}"] = forms.BooleanField(label=item.capitalize(), required=False)


def claim_checklist(data):
    """The checklist a ClaimForm's cleaned data ticks: {item: bool}."""
    return {item: data[f"item_{n}"] for n, item in enumerate(CLAIM_CHECKLIST)}


class DisposalForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    reappraisal_fee = money_field(_("Order a re-appraisal from the panel: fee"), required=False, min_value=1)
    reappraised_value = money_field(_("Re-appraised value (if already known)"), required=False)
    opening_price = money_field(_("Opening price (auction)"), required=False)
    bids_close_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bids_close_on"].label = _("Bids close on (auction, ≤ %(days)s days)") % {
            "days": MAX_BID_DAYS
        }


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
    amount = money_field(_("Amount to pay (in part)"), required=False)
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
    proceeds = money_field(_("Proceeds"))
    costs = money_field(_("Costs of the disposal (paid first)"), required=False)
    write_off_reason = forms.ChoiceField(
        label=_("Write-off reason (if not all is recovered)"),
        required=False,
        choices=[("", "—"), *WRITE_OFF_REASONS.items()],
    )


class WriteOffForm(forms.Form):
    reason = forms.ChoiceField(label=_("Write-off reason"), choices=list(WRITE_OFF_REASONS.items()))


class LateRecoveryForm(forms.Form):
    amount = money_field(_("Amount received"))
    received_on = forms.DateField(label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.CharField(label=_("From (sale, settlement …)"), max_length=200)


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why refused"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )
