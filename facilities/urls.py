from django.urls import path
from django.views.generic import RedirectView

from . import restructure_views, views

app_name = "facilities"
urlpatterns = [
    path("", views.facility_list, name="list"),
    path("<int:pk>/", views.facility_detail, name="detail"),
    path("<int:pk>/disburse/", views.disburse, name="disburse"),
    path("<int:pk>/repay/", views.repay, name="repay"),
    path("<int:pk>/csv/", views.repayments_csv, name="csv"),
    path("<int:pk>/restructure/", views.restructure, name="restructure"),
    path("<int:pk>/default/", views.default, name="default"),
    path("<int:pk>/restructuring/", restructure_views.restructure, name="restructuring"),
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
    path("cases/<int:case_pk>/create/", views.facility_create, name="create"),
    # a money move's page moved to recoveries: links kept from before still arrive
    path("<int:pk>/moves/<int:move_pk>/", RedirectView.as_view(pattern_name="recoveries:move"), name="move"),
]
