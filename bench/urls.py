"""The benchmark's baselines, served through the same middleware, session and authentication as the pages they
are compared with (`make bench` only: ROOT_URLCONF=bench.urls): the same rows and columns, read by the same
selectors in the same order, with nothing of IPFin's own on top (no filter form, counts, tabs, serializer or
pagination). The application's URLs are all included unchanged."""

import json
import os
import tempfile

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path

from applications.api import LIST_COLUMNS
from applications.models import Application
from applications.selectors import application_visible_to
from casework.selectors import case_queue_for
from casework.views import QUEUE_COLUMNS

ROWS = engines["django"].from_string(
    "<table>{% for r in rows %}<tr>{% for v in r.values %}<td>{{ v }}</td>{% endfor %}</tr>{% endfor %}</table>"
)
# the downloads' baseline: a file of the size of the download compared with it (written by bench.measures)
BLOB = os.path.join(tempfile.gettempdir(), "ipfin-bench-blob")


def queue_rows(user):
    """The queue's first page: its 11 columns of its 50 rows, in its order (due first)."""
    return list(case_queue_for(user=user).order_by("stage_due_at").values(*QUEUE_COLUMNS)[:50])


def applicant_rows(user):
    """The applications list's 50 rows: the columns it reads and its assets' ids (one query of the link table)."""
    rows = list(application_visible_to(user=user).order_by("-created_at", "-pk").values(*LIST_COLUMNS)[:50])
    assets = {row["id"]: [] for row in rows}
    links = Application.ip_assets.through.objects.filter(application_id__in=assets)
    for application_id, asset_id in links.values_list("application_id", "ipasset_id"):
        assets[application_id].append(asset_id)
    for row in rows:
        row["ip_assets"] = assets[row["id"]]
    return rows


@login_required
def queue_baseline(request):
    return HttpResponse(ROWS.render({"rows": queue_rows(request.user)}))


@login_required
def api_baseline(request):
    body = json.dumps({"results": applicant_rows(request.user)}, default=str)
    return HttpResponse(body, content_type="application/json")


@login_required
def file_baseline(request):
    with open(BLOB, "rb") as blob:
        response = HttpResponse(blob.read(), content_type="application/octet-stream")
    response["Content-Disposition"] = 'attachment; filename="blob"'
    return response


urlpatterns = [
    path("bench/queue-baseline/", queue_baseline),
    path("bench/api-baseline/", api_baseline),
    path("bench/file-baseline/", file_baseline),
    path("", include("config.urls")),
]
