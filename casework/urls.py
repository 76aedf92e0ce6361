from django.urls import path

from . import rubric_views, views

app_name = "casework"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("assign/", views.bulk_assign, name="bulk_assign"),
    path("conflicts/", views.conflicts, name="conflicts"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/<slug:action>/", views.case_action, name="action"),
    path("requests/<int:pk>/answer/", views.answer_info, name="answer"),
    path("programs/<int:pk>/rubric/", rubric_views.rubric, name="rubric"),
    path(
        "programs/<int:pk>/rubric/<int:criterion_pk>/remove/",
        rubric_views.rubric_remove,
        name="rubric_remove",
    ),
]
