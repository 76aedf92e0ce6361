from importlib import import_module

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.module_loading import module_has_submodule
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.home import home
from accounts.language import set_language
from config import health

# Each app of settings.PROJECT_APPS may have urls.py (pages under /<app>/) and api_urls.py (under /api/v1/), and
# nav.py (menu items), panels.py (case-page panels), reports.py (report kinds) and demo.py (demo data), found by
# core.discovery.
APPS = [app for app in settings.PROJECT_APPS if module_has_submodule(import_module(app), "urls")]
API_APPS = [app for app in settings.PROJECT_APPS if module_has_submodule(import_module(app), "api_urls")]

api_v1 = [path("", include(f"{app}.api_urls")) for app in API_APPS]

urlpatterns = [
    path("", home, name="home"),
    path("health/", include(health)),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # where the dashboards were before they had an app of their own: officials' bookmarks keep working
    path("programs/dashboard/", RedirectView.as_view(pattern_name="dashboards:program", query_string=True)),
    path(
        "facilities/portfolio/", RedirectView.as_view(pattern_name="dashboards:portfolio", query_string=True)
    ),
    *[path(f"{app}/", include(f"{app}.urls")) for app in APPS],
]

# Under /api/ a URL that matches no route answers in the API's error shape.
handler404 = "core.routing.page_not_found"

admin.site.site_header = "IPFin administration"
admin.site.site_title = "IPFin"
