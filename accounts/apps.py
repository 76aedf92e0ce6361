from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from allauth.account.signals import user_signed_up
        from allauth.mfa.models import Authenticator
        from allauth.mfa.signals import authenticator_removed
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save

        from . import checks, schema  # noqa: F401  (register the deploy checks and the token's OpenAPI scheme)
        from .language import remember_signup_language
        from .mfa import forget_mfa, record_enrolment
        from .sessions import stamp_session_start

        post_save.connect(record_enrolment, sender=Authenticator, dispatch_uid="accounts.record_enrolment")
        authenticator_removed.connect(forget_mfa, dispatch_uid="accounts.forget_mfa")
        user_logged_in.connect(stamp_session_start, dispatch_uid="accounts.stamp_session_start")
        user_signed_up.connect(remember_signup_language, dispatch_uid="accounts.remember_signup_language")
