"""Staff must have a second factor before they can do anything else."""

from allauth.mfa.models import Authenticator
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

# What a staff user without an authenticator may still open: signing in and out, the password and email pages and
# the authenticator set-up (allauth's pages), static files, health, the language switch. Not "/accounts/" as a
# whole: the project's own pages live there too (notifications, members) and need the second factor.
ALLOWED_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/inactive/",
    "/accounts/signup/",
    "/accounts/reauthenticate/",
    "/accounts/email/",
    "/accounts/confirm-email/",
    "/accounts/password/",
    "/accounts/2fa/",
    "/static/",
    "/health/",
    "/i18n/",
)
SESSION_KEY = "ipfin_totp_user"


class StaffMfaRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.needs_mfa
            and not request.path.startswith(ALLOWED_PREFIXES)
            and not self.has_totp(request, user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "code": "mfa_required",
                        "message": "Set up two-factor authentication first.",
                        "details": {},
                    },
                    status=403,
                )
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)

    @staticmethod
    def has_totp(request, user):
        """Whether the user has an authenticator app; once it is found, the session remembers it (a query fewer on
        every staff request). A session that began without one asks again on each request until one is set up."""
        if request.session.get(SESSION_KEY) == user.pk:
            return True
        if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            request.session[SESSION_KEY] = user.pk
            return True
        return False


def forget_totp(sender, request, user, authenticator, **kwargs):
    """An authenticator removed in this session: the session no longer vouches for one (allauth's signal)."""
    if getattr(request, "session", None) is not None:
        request.session.pop(SESSION_KEY, None)
