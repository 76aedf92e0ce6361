"""Request plumbing: the client address for the audit helper, the session lifetimes, and no caching of private
responses."""

from contextvars import ContextVar
from time import time

from django.conf import settings
from django.utils.cache import add_never_cache_headers

SESSION_STARTED_KEY = "_started"

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
    """The idle timeout slides with activity, but the session row is rewritten at most once a minute; and however
    active, a signed-in session ends ``SESSION_ABSOLUTE_SECONDS`` after the sign-in.

    Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) would turn every page view into a database
    write; stamping the minute of the last activity gives the same idle timeout to within a minute. The sign-in
    time is stamped by accounts (``user_logged_in``); a signed-in session without one (older than this rule) starts
    its lifetime at its next request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and "_auth_user_id" in session:
            started = session.get(SESSION_STARTED_KEY)
            if started is None:
                session[SESSION_STARTED_KEY] = int(time())
            elif time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                session.flush()  # signed out: the rest of the request is anonymous
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if (
            session is not None
            and not session.is_empty()
            and session.get("_active") != (minute := int(time() // 60))
        ):
            session["_active"] = minute
        return response


class NoStoreMiddleware:
    """API answers, downloads and every page shown to a signed-in user carry ``Cache-Control: no-store``: a shared
    computer's browser cache or a proxy keeps no copy of a case, a ledger or a token. Public pages keep their own
    headers (static files are served before this runs)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            request.path_info.startswith("/api/")
            or response.has_header("Content-Disposition")
            or (user is not None and user.is_authenticated)
        ):
            add_never_cache_headers(response)  # max-age=0, no-cache, no-store, must-revalidate, private
        return response
