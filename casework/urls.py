from django.urls import path

from . import views

app_name = "casework"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("assign/", views.bulk_assign, name="bulk_assign"),
    path("conflicts/", views.conflicts, name="conflicts"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/<slug:action>/", views.case_action, name="action"),
    path("requests/<int:pk>/answer/", views.answer_info, name="answer"),
]
