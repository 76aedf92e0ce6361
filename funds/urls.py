from django.urls import path

from . import follow_ups, setup, views

app_name = "funds"
urlpatterns = [
    path("", views.fund_list, name="list"),
    path("<int:pk>/", views.fund_detail, name="detail"),
    path("<int:pk>/entries/<int:entry_pk>/review/", views.validate_entry, name="validate"),
    path("follow-ups/", follow_ups.follow_up_list, name="follow_ups"),
    path("follow-ups/<int:pk>/", follow_ups.follow_up_detail, name="follow_up"),
    path("follow-ups/<int:pk>/<str:action>/", follow_ups.follow_up_action, name="follow_up_action"),
    path("setup/", setup.setup_list, name="setup"),
    path("setup/new/", setup.mother_fund_new, name="setup_mother_new"),
    path("setup/<int:pk>/sub-funds/new/", setup.sub_fund_new, name="setup_sub_fund_new"),
    path("setup/<int:pk>/edit/", setup.fund_edit, name="setup_edit"),
    path("setup/<int:pk>/licence/", setup.licence_new, name="setup_licence"),
]
