from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("api-token/", views.api_token, name="api_token"),
    path(
        "api-token/organization/", views.api_token_create_organization, name="api_token_create_organization"
    ),
    path("api-token/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
    path("notifications/", views.notification_list, name="notifications"),
    path("members/", views.members, name="members"),
]
