from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role

from .models import NoteKind, ReasonCode


class AssignForm(forms.Form):
    officer = forms.ModelChoiceField(
        label=_("Officer"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Leave empty to assign automatically (round-robin by load)."),
    )

    def __init__(self, *args, agency_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = (
            User.objects.filter(
                memberships__organization_id__in=agency_ids, memberships__role=Role.CASE_OFFICER
            )
            .distinct()
            .order_by("email")
        )


class ChecklistForm(forms.Form):
    documents_complete = forms.BooleanField(label=_("Documents complete"), required=False)
    eligibility_confirmed = forms.BooleanField(label=_("Eligibility confirmed"), required=False)
    identity_checked = forms.BooleanField(label=_("Identity checked"), required=False)


class InfoRequestForm(forms.Form):
    question = forms.CharField(
        label=_("Question to the applicant"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    due_date = forms.DateField(
        label=_("Answer due by"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=lambda: timezone.localdate() + timedelta(days=7),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (each is checked by its content when it is stored)."""

    def __init__(self, *args, max_files=5, **kwargs):
        self.max_files = max_files
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > self.max_files:
            raise forms.ValidationError(_("At most %(n)s files.") % {"n": self.max_files})
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 4}), max_length=8000
    )
    documents = MultipleFileField(
        label=_("Documents (if the agency asks for them)"),
        required=False,
        help_text=_("PDF, PNG, JPEG or XLSX; up to 5 files. They are added to your application's documents."),
    )


class NoteForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=NoteKind.choices, widget=forms.RadioSelect, initial=NoteKind.INTERNAL
    )
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 3}), max_length=8000)


class ScoresForm(forms.Form):
    def __init__(self, *args, criteria=(), scores=None, **kwargs):
        super().__init__(*args, **kwargs)
        scores = scores or {}
        self.criteria = list(criteria)
        for criterion in self.criteria:
            existing = scores.get(criterion.pk)
            self.fields[f"score_{criterion.pk}"] = forms.TypedChoiceField(
                label=f"{criterion.name} (× {criterion.weight})",
                coerce=int,
                choices=[(i, i) for i in range(1, 6)],
                initial=existing.score if existing else None,
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment on %(c)s") % {"c": criterion.name},
                required=False,
                max_length=500,
                initial=existing.comment if existing else "",
            )

    def scores(self):
        return {
            c.pk: (self.cleaned_data[f"score_{c.pk}"], self.cleaned_data[f"comment_{c.pk}"])
            for c in self.criteria
        }


class RecommendForm(forms.Form):
    term_months = forms.IntegerField(
        label=_("Term (months)"),
        min_value=1,
        max_value=360,
        required=False,
        help_text=_("Within the program's maximum"),
    )
    conditions = forms.CharField(
        label=_("Conditions"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000
    )


class WaiverForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the valuation is waived"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason_code = forms.ChoiceField(label=_("Reason"), choices=ReasonCode.choices)
    comment = forms.CharField(
        label=_("Explanation to the applicant"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What needs rework"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )


class ConflictForm(forms.Form):
    company = forms.CharField(label=_("Company registration number"), max_length=40)
    reason = forms.CharField(label=_("Nature of the conflict"), max_length=300)
