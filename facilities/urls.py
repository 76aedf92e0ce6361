from django.urls import path

from . import repayment_views, views

app_name = "facilities"
urlpatterns = [
    path("", views.facility_list, name="list"),
    path("<int:pk>/", views.facility_detail, name="detail"),
    path("repayments/<int:pk>/reverse/", repayment_views.repayment_reverse, name="repayment_reverse"),
    path("<int:pk>/moves/<int:move_pk>/", views.move_detail, name="move"),
    path("<int:pk>/moves/<int:move_pk>/confirm/", views.move_confirm, name="move_confirm"),
    path("<int:pk>/moves/<int:move_pk>/refuse/", views.move_refuse, name="move_refuse"),
    path("<int:pk>/<slug:action>/", views.facility_action, name="action"),
    path("cases/<int:case_pk>/create/", views.facility_create, name="create"),
]
