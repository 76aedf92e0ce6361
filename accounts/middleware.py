"""Staff must show a second factor before they can do anything else.

A staff user (a staff role, or ``is_staff``/``is_superuser``) passes only with a session that passed MFA
(``accounts.mfa.session_passed_mfa``). Otherwise:
- with an authenticator app (the session was signed in with a password alone, e.g. through an old admin login):
  the session is ended, on any page but static files, and the user sent to sign in again, through the TOTP step;
- without one: sent to set one up (the API answers ``403 mfa_required``). Only allauth's pages (sign-in, MFA set-up,
  password) stay open to it; the app's own pages under /accounts/ (API tokens, notifications) do not.
"""

from urllib.parse import urlencode

from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from .mfa import has_totp, session_passed_mfa

ALLOWED_PREFIXES = ("/accounts/", "/static/", "/health/", "/i18n/")
ALWAYS_OPEN = ("/static/", "/health/", "/i18n/")


def _exempt(path):
    """allauth's own pages (sign-in, sign-out, MFA set-up, password) and static files; never the app's pages."""
    if not path.startswith(ALLOWED_PREFIXES):
        return False
    if not path.startswith("/accounts/"):
        return True
    try:
        return resolve(path).namespace != "accounts"
    except Resolver404:
        return True


def _mfa_required(message):
    return JsonResponse({"code": "mfa_required", "message": message, "details": {}}, status=403)


class StaffMfaRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        path = request.path_info
        if (
            user.is_authenticated
            and user.needs_mfa
            and not path.startswith(ALWAYS_OPEN)
            and not session_passed_mfa(request, user)
        ):
            # allauth's pages stay open only to set up a first authenticator; a session that skipped an existing
            # one's code step may not use them either (e.g. to remove it after a password re-authentication).
            user_has_totp = has_totp(user)
            if user_has_totp or not _exempt(path):
                return self.refuse(request, user, user_has_totp)
        return self.get_response(request)

    @staticmethod
    def refuse(request, user, user_has_totp):
        is_api = request.path_info.startswith("/api/")
        next_query = urlencode({"next": request.get_full_path()})
        if user_has_totp:
            logout(request)
            if is_api:
                return _mfa_required(_("Sign in again with your authenticator app."))
            return redirect(f"{reverse('account_login')}?{next_query}")
        if is_api:
            return _mfa_required(_("Set up two-factor authentication first."))
        return redirect(f"{reverse('mfa_activate_totp')}?{next_query}")
