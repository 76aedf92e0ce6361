"""Small helpers for web views."""

from functools import wraps

from django.http import Http404
from django.utils.http import url_has_allowed_host_and_scheme


def form_error_from(form, exc):
    """Show a DomainError on the form: on the fields its details name, else at the top. The input stays."""
    placed = False
    for field, messages in (exc.details or {}).items():
        if field in form.fields:
            for message in messages if isinstance(messages, list | tuple) else [messages]:
                form.add_error(field, str(message))
            placed = True
    if not placed or exc.message:
        form.add_error(None, exc.message)
    reasons = (exc.details or {}).get("reasons")
    if reasons:
        for reason in reasons:
            form.add_error(None, str(reason))


def role_required(*roles):
    """Pages for some roles only. Others get a 404: the page does not exist for them."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not request.user.has_role(*roles):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def safe_next_url(request, fallback, *, source=None):
    """The ``next`` URL of the request (POST, else GET, or ``source``) if it stays on this site; else ``fallback``.

    Only a relative path is followed ("/cases/?page=2"): an absolute URL, a scheme-relative "//host", a backslash
    trick or a "javascript:" URL falls back, so a posted form cannot send the user to another site.
    """
    if source is None:
        source = request.POST if request.method == "POST" else request.GET
    candidate = (source.get("next") or "").strip()
    if (
        candidate.startswith("/")
        and not candidate.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(candidate, allowed_hosts=None, require_https=request.is_secure())
    ):
        return candidate
    return fallback
