from django.urls import path

from . import views

app_name = "facilities"
urlpatterns = [
    path("", views.facility_list, name="list"),
    path("<int:pk>/", views.facility_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.facility_action, name="action"),
    path("cases/<int:case_pk>/create/", views.facility_create, name="create"),
]
