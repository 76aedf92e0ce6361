from django.urls import path

from . import setup, views

app_name = "programs"
urlpatterns = [
    path("", views.program_list, name="list"),
    path("setup/", setup.setup_list, name="setup"),
    path("setup/new/", setup.program_edit, name="setup_new"),
    path("setup/<int:pk>/", setup.program_edit, name="setup_program"),
    path("setup/<int:pk>/<str:part>/add/", setup.part_add, name="setup_part_add"),
    path("setup/<int:pk>/<str:part>/<int:part_pk>/remove/", setup.part_remove, name="setup_part_remove"),
    path("<slug:code>/", views.program_detail, name="detail"),
]
