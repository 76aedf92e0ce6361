from django import forms
from django.utils.translation import gettext_lazy as _

from .scopes import scope_choices_for

KINDS = [("fund_utilisation", _("Fund utilisation")), ("program_dashboard", _("Program dashboard"))]


class ReportRequestForm(forms.Form):
    """A report the user may read: the scope is chosen from what they may read, never typed."""

    kind = forms.ChoiceField(label=_("Report"), choices=KINDS)
    scope = forms.ChoiceField(label=_("Scope"))
    period_start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.readable = {kind: scope_choices_for(user=user, kind=kind) for kind, _label in KINDS}
        self.fields["scope"].choices = [
            (label, [(scope, name) for scope, name in self.readable[kind]]) for kind, label in KINDS
        ]

    def clean(self):
        data = super().clean()
        kind, scope = data.get("kind"), data.get("scope")
        if kind and scope and scope not in {s for s, _n in self.readable[kind]}:
            self.add_error("scope", _("Choose a scope of this report that you may read."))
        return data
