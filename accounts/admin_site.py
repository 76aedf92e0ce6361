"""The admin site: no sign-in of its own, and no entry without a second factor.

Django's admin has its own login form, which signs a user in with a password alone. Here ``/admin/login/`` sends
to the site's sign-in (password, then TOTP) and back, and ``has_permission`` also asks for a session that passed
MFA, so a session signed in any other way does not open the admin even if it is staff.
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from core.web import safe_next_url

from .mfa import session_passed_mfa


class MfaAdminSite(admin.AdminSite):
    site_header = "IPFin administration"
    site_title = "IPFin"

    def has_permission(self, request):
        return super().has_permission(request) and session_passed_mfa(request, request.user)

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            # Signed in but not allowed here: sending to the sign-in would come straight back (a loop).
            raise PermissionDenied
        next_url = safe_next_url(request, reverse("admin:index"), source=request.GET)
        return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
