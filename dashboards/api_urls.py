from django.urls import path

from .api import PortfolioApi, ProgramDashboardApi

urlpatterns = [
    path("dashboards/program/", ProgramDashboardApi.as_view(), name="api-dashboard-program"),
    path("dashboards/portfolio/", PortfolioApi.as_view(), name="api-dashboard-portfolio"),
]
