"""The benchmark's baselines, served through the same middleware, session and authentication as the pages they
are compared with (`make bench` only: ROOT_URLCONF=bench.urls): what the same rows cost with nothing of IPFin's own
on top. The application's URLs are all included unchanged."""

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path

from applications.models import Application

ROWS = engines["django"].from_string(
    "<table>{% for r in rows %}<tr><td>{{ r.reference }}</td><td>{{ r.company__legal_name }}</td>"
    "<td>{{ r.requested_amount }}</td><td>{{ r.status }}</td></tr>{% endfor %}</table>"
)


def queue_rows():
    return list(
        Application.objects.values("reference", "company__legal_name", "requested_amount", "status").order_by(
            "stage_due_at"
        )[:50]
    )


def applicant_rows(user):
    return list(
        Application.objects.filter(company__organization__in=user.organizations_for("applicant"))
        .values("id", "reference", "status", "requested_amount")
        .order_by("-created_at")[:50]
    )


@login_required
def queue_baseline(request):
    return HttpResponse(ROWS.render({"rows": queue_rows()}))


@login_required
def api_baseline(request):
    return HttpResponse(
        json.dumps(applicant_rows(request.user), default=str), content_type="application/json"
    )


urlpatterns = [
    path("bench/queue-baseline/", queue_baseline),
    path("bench/api-baseline/", api_baseline),
    path("", include("config.urls")),
]
