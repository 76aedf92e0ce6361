from django.contrib.admin.apps import AdminConfig


class IpfinAdminConfig(AdminConfig):
    """The Django admin, on a site that signs in through allauth (password and TOTP) and needs a session that
    passed MFA (accounts.admin_site.MfaAdminSite)."""

    default_site = "accounts.admin_site.MfaAdminSite"
