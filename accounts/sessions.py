from time import time

from core.middleware import SESSION_STARTED_KEY


def stamp_session_start(sender, request, user, **kwargs):
    """The moment of sign-in, from which the session's absolute lifetime runs (``user_logged_in`` signal)."""
    if getattr(request, "session", None) is not None:
        request.session[SESSION_STARTED_KEY] = int(time())
