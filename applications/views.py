from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.roles import AGENCY_ROLES, Role
from audit.selectors import case_timeline
from core.errors import DomainError
from core.panels import render_case_panels
from core.web import form_error_from, role_required
from programs.models import Program

from . import invitations, services
from .forms import (
    AcceptForm,
    AmountForm,
    AssetsForm,
    ColleagueForm,
    CompanyForm,
    DeclarationForm,
    DocumentForm,
    IPAssetForm,
    WithdrawForm,
    revenue_years,
)
from .models import CompanyInvitation, Document, Status
from .selectors import application_get_for, application_visible_to, company_for, ip_asset_visible_to

STEPS = ["amount", "assets", "documents", "eligibility", "declaration"]
# Translated when shown, in the reader's language (gettext here would fix them in the language of the import).
STEP_LABELS = {
    "amount": gettext_lazy("Amount and purpose"),
    "assets": gettext_lazy("IP assets"),
    "documents": gettext_lazy("Documents"),
    "eligibility": gettext_lazy("Eligibility"),
    "declaration": gettext_lazy("Declaration and submit"),
}


def _company_or_redirect(request):
    company = company_for(user=request.user)
    if company is None:
        messages.info(request, _("Register your company first."))
    return company


COMPANY_FIELDS = [
    "legal_name",
    "country",
    "registration_number",
    "sector",
    "region",
    "employees",
    "credit_grade",
    "contact_name",
    "contact_email",
    "contact_phone",
]


def _company_initial(company):
    """The profile form's values of a registered company: its fields and the revenues of the years asked for."""
    if company is None:
        return {}
    initial = {f: getattr(company, f) for f in COMPANY_FIELDS}
    years = {fy.year: fy for fy in company.financial_years.all()}
    for year in revenue_years():
        if year in years:
            initial[f"revenue_{year}"] = years[year].revenue
            initial["currency"] = years[year].currency
    return initial


def _company_save(request, company, form):
    """Register (no company yet) or update; the redirect to the next page, or None with the refusal on the form."""
    data = form.cleaned_data
    common = {"actor": request.user, "data": data, "revenues": form.revenues(), "currency": data["currency"]}
    try:
        if company is None:
            services.company_register(**common)
            messages.success(request, _("Your company is registered. Now add its IP assets."))
            return redirect("applications:asset_list")
        services.company_update(company=company, **common)
    except DomainError as exc:
        form_error_from(form, exc)
        return None
    messages.success(request, _("Company profile saved."))
    return redirect("applications:company")


@login_required
def company_edit(request):
    """Register the company (a new SME user) or edit its profile."""
    company = company_for(user=request.user)
    if company is None and request.user.roles:
        raise Http404  # staff, banks, valuers... do not register companies
    form = CompanyForm(request.POST or None, initial=_company_initial(company), editing=company is not None)
    if request.method == "POST" and form.is_valid():
        done = _company_save(request, company, form)
        if done is not None:
            return done
    return render(request, "applications/company_form.html", {"form": form, "company": company})


@role_required(Role.APPLICANT)
def colleagues(request):
    """The people who act for the company and its pending invitations; an applicant invites by email address."""
    company = company_for(user=request.user)
    if company is None:
        return redirect("applications:company")
    form = ColleagueForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _colleague_invite(request, company, form):
        return redirect("applications:colleagues")
    members = company.organization.memberships.select_related("user").order_by("user__email")
    pending = company.invitations.filter(status="pending").select_related("invited_by")
    return render(
        request,
        "applications/colleagues.html",
        {"form": form, "members": members, "company": company, "pending": pending},
        status=400 if form.errors else 200,
    )


def _colleague_invite(request, company, form):
    """Invite the address; True when sent, False with the refusal on the form."""
    try:
        invitations.company_invite(company=company, actor=request.user, email=form.cleaned_data["email"])
    except DomainError as exc:
        form_error_from(form, exc)
        return False
    # the same words whether or not the address has an account: the page tells nobody who exists
    messages.success(
        request,
        _("%(email)s is invited; they act for the company once they accept.")
        % {"email": form.cleaned_data["email"]},
    )
    return True


@role_required(Role.APPLICANT)
@require_POST
def invitation_cancel(request, pk):
    invitation = get_object_or_404(
        CompanyInvitation.objects.filter(
            company__organization__in=request.user.organizations_for(Role.APPLICANT)
        ),
        pk=pk,
    )
    try:
        invitations.invitation_cancel(invitation=invitation, actor=request.user)
        messages.success(request, _("Invitation withdrawn."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("applications:colleagues")


@login_required
def invitation_list(request):
    """Invitations addressed to the signed-in person: accept (leaving one's company, explicitly) or decline."""
    current = company_for(user=request.user)
    return render(
        request,
        "applications/invitation_list.html",
        {
            "invitations": invitations.invitations_for(user=request.user),
            "current": current,
            "form": AcceptForm(),
        },
    )


@login_required
@require_POST
def invitation_accept(request, pk):
    invitation = invitations.invitation_get_for(user=request.user, pk=pk)
    form = AcceptForm(request.POST)
    form.is_valid()
    try:
        invitations.invitation_accept(
            invitation=invitation,
            actor=request.user,
            leave_current=form.cleaned_data.get("leave_current", False),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("applications:invitations")
    messages.success(request, _("You now act for %(company)s.") % {"company": invitation.company.legal_name})
    return redirect("applications:list")


@login_required
@require_POST
def invitation_decline(request, pk):
    invitation = invitations.invitation_get_for(user=request.user, pk=pk)
    try:
        invitations.invitation_decline(invitation=invitation, actor=request.user)
        messages.success(request, _("Invitation declined."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("applications:invitations")


@role_required(Role.APPLICANT)
def asset_list(request):
    assets = ip_asset_visible_to(user=request.user).order_by("ip_type", "registry_number")
    return render(request, "applications/ipasset_list.html", {"assets": assets})


@role_required(Role.APPLICANT)
def asset_edit(request, pk=None):
    company = _company_or_redirect(request)
    asset = get_object_or_404(ip_asset_visible_to(user=request.user), pk=pk) if pk else None
    form = IPAssetForm(request.POST or None, instance=asset)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data.get(f) for f in form.Meta.fields}
        try:
            if asset:
                services.ip_asset_update(asset=asset, actor=request.user, data=data)
            else:
                services.ip_asset_create(company=company, actor=request.user, data=data)
            messages.success(request, _("IP asset saved."))
            return redirect("applications:asset_list")
        except DomainError as exc:
            form_error_from(form, exc)
    return render(request, "applications/ipasset_form.html", {"form": form, "asset": asset})


@role_required(Role.APPLICANT)
def application_list(request):
    applications = (
        application_visible_to(user=request.user)
        .annotate(asset_count=Count("ip_assets", distinct=True))
        .order_by("-created_at")
    )
    return render(request, "applications/application_list.html", {"applications": applications})


@role_required(Role.APPLICANT)
@require_POST
def application_start(request):
    company = _company_or_redirect(request)
    if company is None:
        return redirect("applications:company")
    program = get_object_or_404(Program, pk=request.POST.get("program"), is_published=True)
    try:
        application = services.application_create_draft(company=company, program=program, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("programs:detail", code=program.code)
    return redirect("applications:wizard", pk=application.pk, step="amount")


def _wizard_form(step, application, data=None, files=None):
    if step == "amount":
        return AmountForm(
            data, initial={"requested_amount": application.requested_amount, "purpose": application.purpose}
        )
    if step == "assets":
        return AssetsForm(
            data, company=application.company, initial={"ip_assets": list(application.ip_assets.all())}
        )
    if step == "documents":
        return DocumentForm(data, files, program=application.program)
    if step == "declaration":
        return DeclarationForm(data)
    return None


def _save_amount(form, application, request):
    services.application_exposure(application=application)  # a missing rate: a form error, nothing saved
    services.application_update_draft(
        application=application,
        actor=request.user,
        step="assets",
        requested_amount=form.cleaned_data["requested_amount"],
        purpose=form.cleaned_data["purpose"],
    )
    return "assets"


def _save_assets(form, application, request):
    services.application_update_draft(
        application=application,
        actor=request.user,
        step="documents",
        ip_assets=list(form.cleaned_data["ip_assets"]),
    )
    return "documents"


def _save_document(form, application, request):
    services.document_upload(
        application=application,
        actor=request.user,
        document_type=form.cleaned_data["document_type"],
        upload=form.cleaned_data["file"],
    )
    messages.success(request, _("Document uploaded."))
    return "documents"


def _submit(form, application, request):
    services.application_submit(application=application, actor=request.user, declaration_accepted=True)
    return None


# each step's save: the next step, or None once the application is submitted
WIZARD_SAVES = {"amount": _save_amount, "assets": _save_assets, "documents": _save_document}


def _wizard_save(step, form, application, request):
    return WIZARD_SAVES.get(step, _submit)(form, application, request)


def _wizard_post(request, application, step, form):
    """The redirect after a saved step, or None to show the step again (with the refusal on the form)."""
    if step == "eligibility":
        services.application_update_draft(application=application, actor=request.user, step="declaration")
        return redirect("applications:wizard", pk=application.pk, step="declaration")
    if form is None or not form.is_valid():
        return None
    try:
        next_step = _wizard_save(step, form, application, request)
    except DomainError as exc:
        form_error_from(form, exc)
        return None
    if next_step is None:
        messages.success(request, _("Application %(ref)s submitted.") % {"ref": application.reference})
        return redirect("applications:detail", pk=application.pk)
    return redirect("applications:wizard", pk=application.pk, step=next_step)


@role_required(Role.APPLICANT)
def application_wizard(request, pk, step):
    application = application_get_for(user=request.user, pk=pk)
    if step not in STEPS:
        raise Http404
    if application.status != Status.DRAFT:
        return redirect("applications:detail", pk=application.pk)
    form = _wizard_form(step, application, request.POST or None, request.FILES or None)
    done = _wizard_post(request, application, step, form) if request.method == "POST" else None
    if done is not None:
        return done
    return _wizard_page(request, application, step, form)


def _wizard_page(request, application, step, form):
    results, problems = services.application_check(application=application)
    context = {
        "application": application,
        "step": step,
        "form": form,
        "results": results,
        "problems": problems,
        "steps": [(s, STEP_LABELS[s]) for s in STEPS],
        "documents": application.documents.all(),
    }
    return render(request, "applications/application_wizard.html", context)


@login_required
def application_detail(request, pk):
    application = application_get_for(user=request.user, pk=pk)
    applicant_view = not request.user.has_role(*AGENCY_ROLES)
    if not applicant_view:
        return redirect("casework:case", pk=application.pk)
    return render(
        request, "applications/application_detail.html", _detail_context(request, application, applicant_view)
    )


def _detail_context(request, application, applicant_view):
    return {
        "application": application,
        "events": case_timeline(case=application, applicant_view=applicant_view).select_related("actor"),
        "documents": application.documents.select_related("uploaded_by"),
        "assets": application.ip_assets.all(),
        "panels": render_case_panels(request, application, applicant_view=applicant_view),
        "withdraw_form": WithdrawForm(),
        "can_withdraw": ("withdraw" in application.allowed_actions()) and applicant_view,
    }


@role_required(Role.APPLICANT)
@require_POST
def application_withdraw(request, pk):
    application = application_get_for(user=request.user, pk=pk)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.application_withdraw(application=application, actor=request.user, reason=reason)
        messages.success(request, _("The application was withdrawn."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("applications:detail", pk=pk)


@role_required(Role.APPLICANT)
@require_POST
def document_remove(request, pk):
    """Remove a document from a draft; back to the documents step."""
    document = get_object_or_404(Document.objects.select_related("application"), pk=pk)
    application = application_get_for(user=request.user, pk=document.application_id)  # 404 unless the user's
    try:
        services.document_remove(document=document, actor=request.user)
        messages.success(
            request, _("%(name)s removed from the application.") % {"name": document.original_name}
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("applications:wizard", pk=application.pk, step="documents")


@login_required
def document_download(request, pk):
    document = get_object_or_404(Document.objects.select_related("application"), pk=pk)
    application_get_for(user=request.user, pk=document.application_id)  # 404 unless the user may see the case
    path = services.document_path(document)
    if not path.exists():
        raise Http404
    response = FileResponse(
        open(path, "rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=services.CONTENT_TYPES[document.kind],
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
