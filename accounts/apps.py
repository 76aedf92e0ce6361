from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from allauth.mfa.signals import authenticator_removed

        from .middleware import forget_totp

        authenticator_removed.connect(forget_totp, dispatch_uid="accounts.forget_totp")
