from django.urls import path, re_path

from . import views

app_name = "reporting"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("request/", views.report_request, name="request"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    re_path(r"^(?P<pk>[0-9]+)/download\.(?P<fmt>csv|xlsx|pdf)$", views.report_download, name="download"),
]
