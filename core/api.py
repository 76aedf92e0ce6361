"""API plumbing shared by every app: pagination and the one exception handler (throttles: core.throttles)."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf_exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .counts import CachedCountPaginator
from .errors import DomainError


class Pagination(PageNumberPagination):
    django_paginator_class = CachedCountPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        """``page_size`` from 1 to ``max_page_size``; anything but a whole number is a 400 (DRF ignored it)."""
        return strict_page_size(self, request)


def strict_page_size(paginator, request):
    """The ``page_size`` a client asked of ``paginator``: the default when absent, at most ``max_page_size``; a value
    that is not a whole number (``null``, ``abc``) is a 400 in the error shape, for every paginator of the API."""
    raw = request.query_params.get(paginator.page_size_query_param)
    if raw is None:
        return paginator.page_size
    try:
        size = int(raw)
    except ValueError:
        raise drf_exceptions.ValidationError(
            {paginator.page_size_query_param: [f"A whole number from 1 to {paginator.max_page_size}."]}
        )
    return min(size, paginator.max_page_size) if size > 0 else paginator.page_size


def _error(status, code, message, details=None):
    return Response({"code": code, "message": str(message), "details": details or {}}, status=status)


def exception_handler(exc, context):
    """Every API error as ``{"code", "message", "details"}``."""
    if isinstance(exc, DomainError):
        return _error(exc.status_code, exc.code, exc.message, exc.details)
    if isinstance(exc, DjangoValidationError):
        details = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return _error(400, "invalid", "The request is not valid.", details)
    if isinstance(exc, Http404 | drf_exceptions.NotFound):
        return _error(404, "not_found", "Not found.")
    if isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.Throttled):
        # DRF has set Retry-After; the body says the same in the error shape.
        wait = int(exc.wait) if exc.wait is not None else None
        response.data = {
            "code": "throttled",
            "message": _("Too many requests. Try again later."),
            "details": {"retry_after_seconds": wait} if wait is not None else {},
        }
    elif isinstance(exc, drf_exceptions.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"code": "invalid", "message": "The request is not valid.", "details": details}
    else:
        detail = getattr(exc, "detail", "")
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"code": code, "message": str(detail), "details": {}}
    return response


class HasRole(IsAuthenticated):
    """Only users holding one of ``roles``. On an object URL a user without the role gets a 404, like any user who
    may not see the object: the API never confirms that an object exists to someone who cannot see it."""

    roles = ()

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if request.user.has_role(*self.roles):
            return True
        if any(key in view.kwargs for key in ("pk", "code")):
            raise drf_exceptions.NotFound()
        return False


def role_permission(*roles):
    return type("HasRole_" + "_".join(str(r) for r in roles), (HasRole,), {"roles": roles})
