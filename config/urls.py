from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.home import home
from core import health

# Each app has urls.py (pages under /<app>/) and api_urls.py (under /api/v1/),
# and may have nav.py (menu items), panels.py (case-page panels) and demo.py
# (demo data, seeded in INSTALLED_APPS order).
APPS = [
    "accounts",
    "audit",
    "programs",
    "applications",
    "casework",
    "valuations",
    "facilities",
    "recoveries",
    "funds",
    "reporting",
    "webhooks",
]

api_v1 = [path("", include(f"{app}.api_urls")) for app in APPS]

urlpatterns = [
    path("", home, name="home"),
    path("health/", include(health)),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    *[path(f"{app}/", include(f"{app}.urls")) for app in APPS],
]

# Under /api/ a URL that matches no route answers in the API's error shape.
handler404 = "core.routing.page_not_found"

admin.site.site_header = "IPFin administration"
admin.site.site_title = "IPFin"
