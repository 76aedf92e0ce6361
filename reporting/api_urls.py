from django.urls import path

from core.routing import Router

from .api import ReportRunApi, ReportRunDetailApi, ReportViewSet

router = Router()
router.register("reports", ReportViewSet, basename="report")
urlpatterns = [
    path("report-runs/", ReportRunApi.as_view(), name="api-report-runs"),
    path("report-runs/<int:pk>/", ReportRunDetailApi.as_view(), name="api-report-run"),
    *router.urls,
]
