from django.urls import path

from . import views

app_name = "applications"
urlpatterns = [
    path("", views.application_list, name="list"),
    path("company/", views.company_edit, name="company"),
    path("company/colleagues/", views.colleagues, name="colleagues"),
    path("company/colleagues/<int:pk>/cancel/", views.invitation_cancel, name="invitation_cancel"),
    path("company/invitations/", views.invitation_list, name="invitations"),
    path("company/invitations/<int:pk>/accept/", views.invitation_accept, name="invitation_accept"),
    path("company/invitations/<int:pk>/decline/", views.invitation_decline, name="invitation_decline"),
    path("assets/", views.asset_list, name="asset_list"),
    path("assets/new/", views.asset_edit, name="asset_new"),
    path("assets/<int:pk>/edit/", views.asset_edit, name="asset_edit"),
    path("start/", views.application_start, name="start"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/step/<slug:step>/", views.application_wizard, name="wizard"),
    path("<int:pk>/withdraw/", views.application_withdraw, name="withdraw"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("documents/<int:pk>/remove/", views.document_remove, name="document_remove"),
]
