from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models.fields.json import KeyTransform
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import Role
from core.errors import DomainError
from core.web import role_required

from . import exports, services
from .forms import ReportRequestForm
from .selectors import (
    READERS,
    report_get_for,
    report_run_get_for,
    report_runs_visible_to,
    report_scope_check,
    reports_visible_to,
)


@role_required(*READERS)
def report_list(request):
    # the title's code only (not the whole snapshot), rendered in the reader's language
    reports = (
        reports_visible_to(user=request.user).defer("data").annotate(title_item=KeyTransform("title", "data"))
    )
    kind = request.GET.get("kind")
    if kind:
        reports = reports.filter(kind=kind)
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    runs = report_runs_visible_to(user=request.user).exclude(status="done").order_by("-created_at")[:10]
    return render(
        request,
        "reporting/report_list.html",
        {
            "page": page,
            "runs": runs,
            "form": ReportRequestForm(user=request.user),
            "can_request": request.user.has_role(*STAFF_REQUESTERS),
        },
    )


@role_required(*READERS)
def report_detail(request, pk):
    report = report_get_for(user=request.user, pk=pk)
    previous = (
        reports_visible_to(user=request.user)
        .filter(kind=report.kind, scope=report.scope, period_end__lt=report.period_end)
        .defer("data")
        .order_by("-period_end")
        .first()
    )
    return render(
        request,
        "reporting/report_detail.html",
        {
            "report": report,
            "charts": exports.chart_svgs(report),
            "previous": previous,
            "body_seconds": exports.CHARTS_SECONDS,
            "body_version": exports.BODY_VERSION,
        },
    )


@role_required(*READERS)
def report_download(request, pk, fmt):
    return exports.stored_download(reports_visible_to(user=request.user), int(pk), fmt)


STAFF_REQUESTERS = (Role.CASE_OFFICER, Role.APPROVER, Role.ADMINISTRATOR, Role.OFFICIAL)


def _form_errors(form):
    return " ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}" for f, e in form.errors.items()
    )


@role_required(*STAFF_REQUESTERS)
@require_POST
def report_request(request):
    form = ReportRequestForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("reporting:list")
    data = form.cleaned_data
    try:
        report_scope_check(user=request.user, kind=data["kind"], scope=data["scope"])
        run = services.report_request(actor=request.user, **data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("reporting:list")
    messages.success(request, _("Report run #%(id)s is recorded; this page follows it.") % {"id": run.pk})
    return redirect("reporting:run", pk=run.pk)


@role_required(*READERS)
def run_detail(request, pk):
    """A run's progress (queued, running, done, failed); its status fragment polls itself until the run ends."""
    run = report_run_get_for(user=request.user, pk=pk)
    template = "reporting/_partials/run_status.html" if request.htmx else "reporting/run_detail.html"
    return render(request, template, {"run": run, "poll_url": reverse("reporting:run", args=[run.pk])})
