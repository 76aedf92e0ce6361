"""The second factor on every staff path: what a session must show, and the lock-out of the code step.

A session *passed MFA* when allauth recorded an ``mfa`` authentication for its user in it: the TOTP (or recovery
code) step of the sign-in, a re-authentication with a code, or the activation of an authenticator app in this
session (which took a valid code from it). A password alone never records one, whatever view signed it in.

The code step counts its failures with django-axes, in the same (username, client address) buckets as passwords:
after ``AXES_FAILURE_LIMIT`` wrong codes (or wrong passwords and codes together) that pair is locked for
``AXES_COOLOFF_HOURS``, the password step refuses it too, and every failure leaves an axes record and an audit event.
"""

import time

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.models import Authenticator
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy as _

MFA_METHOD = "mfa"


def session_passed_mfa(request, user) -> bool:
    """Whether this session recorded a second factor for ``user`` (no query: it reads the session)."""
    if user is None or not user.is_authenticated or getattr(request, "session", None) is None:
        return False
    return any(record.get("method") == MFA_METHOD for record in get_authentication_records(request, user))


def session_mark_passed_mfa(session, user) -> None:
    """Write into ``session`` what allauth records after the code step. Only for tests' ``force_login`` and the
    benchmark, which stand in for a whole sign-in; the site itself records it through allauth."""
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY

    session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": MFA_METHOD, "at": time.time(), "type": "totp"}]
    session["account_authentication_methods_user"] = str(user.pk)


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def record_enrolment(sender, instance, created, **kwargs):
    """An authenticator app activated by its own user in this request (allauth's activation, which took a valid code
    from it): the session has shown the second factor (``post_save`` of Authenticator). Not when seeded outside a
    request or made for someone else."""
    request = context.request
    if (
        created
        and instance.type == Authenticator.Type.TOTP
        and request is not None
        and getattr(request, "session", None) is not None
        and getattr(request, "user", None) is not None
        and request.user.pk == instance.user_id
    ):
        record_authentication(
            request, request.user, MFA_METHOD, id=instance.pk, type=instance.type, enrolled=True
        )


def forget_mfa(sender, request, user, authenticator, **kwargs):
    """The authenticator app was removed in this session: the session no longer vouches for a second factor
    (allauth's ``authenticator_removed`` signal). Its other sessions end with the absolute lifetime or a password
    change."""
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY

    session = getattr(request, "session", None)
    if session is None or authenticator.type != Authenticator.Type.TOTP:
        return
    records = session.get(AUTHENTICATION_METHODS_SESSION_KEY) or []
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [r for r in records if r.get("method") != MFA_METHOD]


def _credentials(user):
    return {"username": user.email}


def _refuse_if_locked(request, user):
    AxesProxyHandler.update_request(request)
    if not AxesProxyHandler.is_allowed(request, _credentials(user)):
        # AxesMiddleware turns the response into the lock-out page (429), as for a password.
        request.axes_locked_out = True
        request.axes_credentials = _credentials(user)
        raise forms.ValidationError(_("Too many failed attempts. Try again later."), code="locked_out")


def _record_failure(request, user, step):
    """One failed code: an axes attempt (which may lock the pair) and an audit event."""
    from audit.services import audit_record

    user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)
    audit_record(
        actor=None,
        action="mfa.failed",
        target=user,
        organization=user.organization,
        details={"email": user.email, "step": step},
    )


class LimitedAttemptsMixin:
    """The code step of allauth's MFA forms, with axes' lock-out and a record of every failure."""

    step = "sign_in"

    def clean_code(self):
        request = context.request
        _refuse_if_locked(request, self.user)
        try:
            return super().clean_code()
        except forms.ValidationError:
            _record_failure(request, self.user, self.step)
            raise


class LimitedAuthenticateForm(LimitedAttemptsMixin, AuthenticateForm):
    step = "sign_in"


class LimitedReauthenticateForm(LimitedAttemptsMixin, ReauthenticateForm):
    step = "reauthenticate"
