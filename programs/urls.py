from django.urls import path, re_path

from . import dashboard_views, views

app_name = "programs"
urlpatterns = [
    path("", views.program_list, name="list"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    re_path(r"^dashboard\.(?P<fmt>csv|xlsx|pdf)$", dashboard_views.dashboard_export, name="dashboard_export"),
    path("<slug:code>/", views.program_detail, name="detail"),
]
