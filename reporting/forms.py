from django import forms
from django.utils.translation import gettext_lazy as _

KINDS = [("fund_utilisation", _("Fund utilisation")), ("program_dashboard", _("Program dashboard"))]


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=KINDS)
    scope = forms.CharField(
        label=_("Scope"), initial="all", max_length=60, help_text=_("'all', 'fund:<id>' or 'program:<code>'")
    )
    period_start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
