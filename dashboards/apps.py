from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """Officials' read models across the pipeline (program dashboard, facility portfolio); no models of its own."""

    name = "dashboards"
    verbose_name = _("Dashboards")
