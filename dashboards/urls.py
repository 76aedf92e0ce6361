from django.urls import path, re_path

from . import portfolio, views

app_name = "dashboards"
urlpatterns = [
    path("programs/", views.dashboard, name="program"),
    re_path(r"^programs\.(?P<fmt>csv|xlsx|pdf)$", views.dashboard_export, name="program_export"),
    path("portfolio/", portfolio.portfolio, name="portfolio"),
    path("portfolio.<str:fmt>", portfolio.portfolio_export, name="portfolio_export"),
]
