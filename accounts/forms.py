from django import forms
from django.utils.translation import gettext_lazy as _

from .invites import organizations_invitable_by
from .roles import Role


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    organization = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations_invitable_by(user=user).order_by("kind", "name")
        self.fields["organization"].label_from_instance = lambda org: f"{org.name} ({org.get_kind_display()})"
