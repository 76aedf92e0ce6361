from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization

BIG = 10**17


class BidForm(forms.Form):
    """A registered buyer's bid; the organisation is asked only of a person acting for several buyers."""

    buyer = forms.ModelChoiceField(label=_("Bid for"), queryset=None, required=False)
    amount = forms.DecimalField(label=_("Bid"), max_digits=20, decimal_places=2, min_value=1, max_value=BIG)

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
