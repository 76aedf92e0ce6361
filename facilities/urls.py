from django.urls import path

from . import restructure_views, views

app_name = "facilities"
urlpatterns = [
    path("", views.facility_list, name="list"),
    path("<int:pk>/", views.facility_detail, name="detail"),
    path("<int:pk>/moves/<int:move_pk>/", views.move_detail, name="move"),
    path("<int:pk>/moves/<int:move_pk>/confirm/", views.move_confirm, name="move_confirm"),
    path("<int:pk>/moves/<int:move_pk>/refuse/", views.move_refuse, name="move_refuse"),
    path("<int:pk>/restructuring/", restructure_views.restructure, name="restructure"),
    path("<int:pk>/tranches/", restructure_views.tranche, name="tranche"),
    path(
        "<int:pk>/restructurings/<int:restructuring_pk>/confirm/",
        restructure_views.restructuring_confirm,
        name="restructuring_confirm",
    ),
    path(
        "<int:pk>/restructurings/<int:restructuring_pk>/refuse/",
        restructure_views.restructuring_refuse,
        name="restructuring_refuse",
    ),
    path("<int:pk>/<slug:action>/", views.facility_action, name="action"),
    path("cases/<int:case_pk>/create/", views.facility_create, name="create"),
]
