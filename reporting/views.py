from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import Role
from core.errors import DomainError
from core.web import role_required

from . import exports, services
from .forms import ReportRequestForm
from .models import ReportRun
from .selectors import READERS, report_get_for, reports_visible_to


@role_required(*READERS)
def report_list(request):
    reports = reports_visible_to(user=request.user).defer("data")
    kind = request.GET.get("kind")
    if kind:
        reports = reports.filter(kind=kind)
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    runs = ReportRun.objects.exclude(status="done").order_by("-created_at")[:10]
    return render(
        request,
        "reporting/report_list.html",
        {
            "page": page,
            "runs": runs,
            "form": ReportRequestForm(),
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
    pk = int(pk)
    report = report_get_for(user=request.user, pk=pk)
    return exports.download_response(
        report, fmt, slugify(f"{report.kind}-{report.scope}-{report.period_end}")
    )


STAFF_REQUESTERS = (Role.CASE_OFFICER, Role.APPROVER, Role.ADMINISTRATOR, Role.OFFICIAL)


@role_required(*STAFF_REQUESTERS)
@require_POST
def report_request(request):
    form = ReportRequestForm(request.POST)
    if form.is_valid():
        try:
            run = services.report_request(actor=request.user, **form.cleaned_data)
            messages.success(
                request, _("Report run #%(id)s is queued; it appears here when ready.") % {"id": run.pk}
            )
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, " ".join(f"{f}: {', '.join(e)}" for f, e in form.errors.items()))
    return redirect("reporting:list")
