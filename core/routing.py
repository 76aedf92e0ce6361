"""API URL plumbing: object URLs that match only what their lookup can be, and the 404 of an API address that
matches no route in the one error shape.

Without the router, ``/api/v1/cases/abc/`` reached the view and the lookup raised ``ValueError`` (a 500).
"""

from django.http import JsonResponse
from django.views import defaults
from rest_framework.routers import SimpleRouter


class Router(SimpleRouter):
    """A router whose object URLs take an integer id (``<int:pk>``), so that ``/cases/abc/`` is a 404 of the URL
    resolver and never reaches a lookup. A viewset looked up by another field (a program's ``code``) keeps a plain
    string, or names its converter in ``lookup_value_converter``."""

    def __init__(self, *, trailing_slash=True):
        super().__init__(trailing_slash=trailing_slash, use_regex_path=False)

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        default = "int" if lookup_field in ("pk", "id") else "str"
        converter = getattr(viewset, "lookup_value_converter", None) or default
        return f"<{converter}:{lookup_prefix}{url_kwarg}>"


def page_not_found(request, exception=None):
    """The 404 handler: under /api/ the error shape in JSON, elsewhere Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "message": "Not found.", "details": {}}, status=404)
    return defaults.page_not_found(request, exception)
