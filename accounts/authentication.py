"""The API's token authentication: django-rest-knox's, plus the last use and the second-factor rule for staff."""

from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from rest_framework import exceptions

from core.middleware import client_ip

from .mfa import has_totp
from .tokens import api_token_note_use


class MfaRequired(exceptions.PermissionDenied):
    default_detail = _("Set up two-factor authentication first.")
    default_code = "mfa_required"


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <token>``. Expired tokens are refused (and deleted by knox); a staff user's token works
    only while the user has an authenticator app, as a staff session does."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            api_token_note_use(token=result[1], address=client_ip(request))
        return result

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        if user.needs_mfa and not has_totp(user):
            raise MfaRequired()
        return user, token
