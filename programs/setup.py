"""The agency's staff pages for its programs: terms, panels, service levels, eligibility rules (any-of groups) and
guarantee tiers. For the agency's administrators; every change is a programs.setup_services call."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Organization
from accounts.roles import Role
from core.errors import DomainError
from core.web import form_error_from, role_required

from . import setup_services as services
from .forms import ProgramSetupForm, RuleSetupForm, TierSetupForm
from .models import EligibilityRule, GuaranteeTier, Program


def _agencies(user):
    return Organization.objects.filter(pk__in=[org.pk for org in user.organizations_for(Role.ADMINISTRATOR)])


def _officers(agencies):
    return (
        get_user_model()
        .objects.filter(
            memberships__organization__in=agencies,
            memberships__role__in=[Role.CASE_OFFICER, Role.APPROVER],
        )
        .distinct()
        .order_by("email")
    )


def _program_for(user, pk):
    """A program of an agency the user administers; else 404."""
    return get_object_or_404(Program.objects.select_related("agency"), pk=pk, agency__in=_agencies(user))


@role_required(Role.ADMINISTRATOR)
def setup_list(request):
    programs = Program.objects.filter(agency__in=_agencies(request.user)).select_related("agency")
    return render(request, "programs/setup_list.html", {"programs": programs.order_by("name")})


def _terms_form(request, program=None):
    agencies = _agencies(request.user)
    return ProgramSetupForm(
        request.POST or None, instance=program, agencies=agencies, officers=_officers(agencies)
    )


def _save_terms(request, form, program):
    try:
        if program is None:
            agency = form.cleaned_data["agency"]
            return services.program_create(
                actor=request.user, agency=agency, terms=form.terms(), panels=form.panels()
            )
        return services.program_update(
            program=program, actor=request.user, terms=form.terms(), panels=form.panels()
        )
    except DomainError as exc:
        form_error_from(form, exc)
        return None


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def program_edit(request, pk=None):
    program = _program_for(request.user, pk) if pk else None
    form = _terms_form(request, program)
    if request.method == "POST" and form.is_valid():
        saved = _save_terms(request, form, program)
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("programs:setup_program", pk=saved.pk)
    return render(request, "programs/setup_form.html", _page(program, form))


def _page(program, form, rule_form=None, tier_form=None):
    return {
        "program": program,
        "form": form,
        "rule_form": rule_form or RuleSetupForm(prefix="rule"),
        "tier_form": tier_form or TierSetupForm(prefix="tier"),
        "rules": program.eligibility_rules.all() if program else [],
        "tiers": program.guarantee_tiers.all() if program else [],
    }


PARTS = {
    "rule": (RuleSetupForm, services.program_rule_add, "rule"),
    "tier": (TierSetupForm, services.program_tier_add, "tier"),
}


@role_required(Role.ADMINISTRATOR)
@require_POST
def part_add(request, pk, part):
    """Add an eligibility rule or a tier row; a refused one comes back on the page with what was typed."""
    program = _program_for(request.user, pk)
    if part not in PARTS:
        raise Http404
    form_class, add, keyword = PARTS[part]
    form = form_class(request.POST, prefix=part)
    if form.is_valid():
        try:
            add(program=program, actor=request.user, **{keyword: form.save(commit=False)})
            messages.success(request, _("Added."))
            return redirect("programs:setup_program", pk=program.pk)
        except DomainError as exc:
            form_error_from(form, exc)
    page = _page(program, _terms_form_get(request, program), **{f"{part}_form": form})
    return render(request, "programs/setup_form.html", page)


def _terms_form_get(request, program):
    agencies = _agencies(request.user)
    return ProgramSetupForm(instance=program, agencies=agencies, officers=_officers(agencies))


@role_required(Role.ADMINISTRATOR)
@require_POST
def part_remove(request, pk, part, part_pk):
    program = _program_for(request.user, pk)
    if part not in PARTS:
        raise Http404
    model = EligibilityRule if part == "rule" else GuaranteeTier
    item = get_object_or_404(model, pk=part_pk, program=program)
    try:
        services.program_part_remove(program=program, actor=request.user, part=item)
        messages.success(request, _("Removed."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("programs:setup_program", pk=program.pk)
