from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("api-token/", views.api_token, name="api_token"),
    path("notifications/", views.notification_list, name="notifications"),
    path("members/", views.members, name="members"),
]
