"""The staff page of a program's credit rubric: criteria with their weights (agency administrators)."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import Role
from core.errors import DomainError
from core.web import form_error_from, role_required
from programs.models import Program

from .models import RubricCriterion
from .rubric import rubric_criterion_add, rubric_criterion_remove


class CriterionForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Criterion"), max_length=120)
    weight = forms.DecimalField(label=gettext_lazy("Weight"), max_digits=5, decimal_places=2, min_value=0)
    order = forms.IntegerField(label=gettext_lazy("Order"), required=False, min_value=0)


def _program_for(user, pk):
    agencies = [org.pk for org in user.organizations_for(Role.ADMINISTRATOR)]
    return get_object_or_404(Program, pk=pk, agency__in=agencies)


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def rubric(request, pk):
    program = _program_for(request.user, pk)
    form = CriterionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rubric_criterion_add(program=program, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Added."))
            return redirect("casework:rubric", pk=program.pk)
        except DomainError as exc:
            form_error_from(form, exc)
    criteria = program.rubric.all()
    return render(request, "casework/rubric.html", {"program": program, "criteria": criteria, "form": form})


@role_required(Role.ADMINISTRATOR)
@require_POST
def rubric_remove(request, pk, criterion_pk):
    program = _program_for(request.user, pk)
    criterion = get_object_or_404(RubricCriterion, pk=criterion_pk, program=program)
    try:
        rubric_criterion_remove(criterion=criterion, actor=request.user)
        messages.success(request, _("Removed."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("casework:rubric", pk=program.pk)
