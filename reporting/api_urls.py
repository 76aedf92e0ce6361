from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import ReportRunApi, ReportRunDetailApi, ReportViewSet

router = SimpleRouter()
router.register("reports", ReportViewSet, basename="report")
urlpatterns = [
    path("report-runs/", ReportRunApi.as_view(), name="api-report-runs"),
    path("report-runs/<int:pk>/", ReportRunDetailApi.as_view(), name="api-report-run"),
    *router.urls,
]
