from datetime import timedelta

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from accounts.roles import AGENCY_ROLES, Role
from core.errors import DomainError
from core.web import role_required
from reporting import exports
from reporting.snapshots import Snapshot

from .program import build_dashboard, dashboard_scopes_for

READERS = (Role.OFFICIAL, *AGENCY_ROLES)
# the dashboard's periods are turned into instants in the agency's time zone: years at the calendar's edges overflow
FIRST_YEAR, LAST_YEAR = 1900, 2999


class DashboardForm(forms.Form):
    scope = forms.ChoiceField(label=_("Scope"))
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = dashboard_scopes_for(user)

    def clean(self):
        data = super().clean()
        for name in ("start", "end"):
            if data.get(name) and not FIRST_YEAR <= data[name].year <= LAST_YEAR:
                self.add_error(
                    name,
                    _("Choose a date between %(first)s and %(last)s.")
                    % {"first": FIRST_YEAR, "last": LAST_YEAR},
                )
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data


def _snapshot(request):
    today = timezone.localdate()
    scopes = dashboard_scopes_for(request.user)
    initial = {"scope": scopes[0][0] if scopes else "all", "start": today - timedelta(days=365), "end": today}
    form = DashboardForm(request.GET or initial, user=request.user)
    if not form.is_valid():
        return form, None, None
    data = form.cleaned_data
    try:
        title, payload = build_dashboard(data["scope"], data["start"], data["end"])
    except DomainError as exc:
        return form, None, exc.message
    return form, Snapshot(title, payload, period_start=data["start"], period_end=data["end"]), None


@role_required(*READERS)
def dashboard(request):
    form, report, error = _snapshot(request)
    return render(
        request,
        "dashboards/program.html",
        {
            "form": form,
            "report": report,
            "error": error,
            "charts": exports.chart_svgs(report) if report else [],
            "query": request.GET.urlencode(),
            "as_of": parse_datetime(report.data["as_of"]) if report and report.data.get("as_of") else None,
        },
    )


@role_required(*READERS)
def dashboard_export(request, fmt):
    form, report, error = _snapshot(request)
    if report is None:
        return HttpResponse(error or "Invalid period", status=400, content_type="text/plain")
    return exports.download_response(report, fmt, f"program-dashboard-{report.period_end}")
