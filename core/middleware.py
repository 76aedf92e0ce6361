"""Keeps the current request's client address where the audit helper can read it."""

from contextvars import ContextVar
from time import time

current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


def client_ip(request):
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)


class SlidingSessionMiddleware:
    """The idle timeout slides with activity, but the session row is rewritten at most once a minute.

    Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) would turn every page view into a database
    write; stamping the minute of the last activity gives the same idle timeout to within a minute.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if (
            session is not None
            and not session.is_empty()
            and session.get("_active") != (minute := int(time() // 60))
        ):
            session["_active"] = minute
        return response
