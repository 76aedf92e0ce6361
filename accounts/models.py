from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken

from .roles import ROLES_BY_ORGANIZATION_KIND, STAFF_ROLES, OrganizationKind, Role

INTEGRATION_EMAIL_DOMAIN = "integrations.ipfin.invalid"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        """``manage.py createsuperuser``: the address typed at the server's console counts as verified, so the
        administrator signs in through the site's sign-in (there is no other) and sets up the second factor."""
        from allauth.account.models import EmailAddress

        extra.update(is_staff=True, is_superuser=True)
        user = self._create(email, password, **extra)
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in with the email address; what they may do comes from memberships."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text=_("May open the Django admin."))
    date_joined = models.DateTimeField(default=timezone.now)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_(
            "Emails and notifications are written in it (empty: the site's language); set when the user switches "
            "the site's language."
        ),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def active_memberships(self):
        """Memberships in active organisations, each with its organisation (one query, accounts.memberships)."""
        from .memberships import active_memberships_of

        return active_memberships_of(self.pk, using=self._state.db or "default")

    @cached_property
    def roles(self):
        return frozenset(Role(m.role) for m in self.active_memberships)

    @property
    def organization(self):
        """The user's organisation (the first one, for the rare person in several)."""
        memberships = self.active_memberships
        return memberships[0].organization if memberships else None

    def organizations_for(self, *roles):
        return [m.organization for m in self.active_memberships if m.role in roles]

    def has_role(self, *roles):
        return bool(self.roles & set(roles))

    @property
    def needs_mfa(self):
        """Staff roles, and anyone who may open the admin (``is_staff``, ``is_superuser``), need a second factor."""
        return self.is_staff or self.is_superuser or bool(self.roles & STAFF_ROLES)

    @property
    def is_integration(self):
        """The user that an organisation's system integration acts as (it has no password and gets no email)."""
        return self.email.endswith("@" + INTEGRATION_EMAIL_DOMAIN)

    def save(self, *args, **kwargs):
        # ``_password`` holds the new raw password between set_password() and save(); Django clears it for a hash
        # upgrade at sign-in, so it is set only for a real change (allauth, the admin, changepassword, a reset).
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            from .tokens import api_tokens_revoke_on_password_change

            api_tokens_revoke_on_password_change(user=self)


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    country = models.CharField(_("country"), max_length=2, default="KR", help_text=_("ISO 3166-1 alpha-2"))
    short_code = models.SlugField(
        _("short code"), max_length=20, unique=True, help_text=_("Used in case references, e.g. KIPO")
    )
    is_active = models.BooleanField(default=True)
    integration_user = models.OneToOneField(
        User, null=True, blank=True, editable=False, on_delete=models.PROTECT, related_name="integration_for"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "role"], name="membership_unique_role"),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.organization}"

    def clean(self):
        if self.organization_id is None:
            return  # the missing organisation is the field's own error
        allowed = ROLES_BY_ORGANIZATION_KIND.get(self.organization.kind, set())
        if self.role not in allowed:
            raise ValidationError({"role": _("This role does not exist in this kind of organisation.")})


class Notification(models.Model):
    """An in-app notice to one user; the same text goes out by email (queued on commit)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    # The texts as written in code (msgid and parameters), so each reading is in the reader's language of the day;
    # ``subject``/``body`` keep them as first written (for search, the admin and notices made before).
    words = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self):
        return self.subject

    @property
    def subject_text(self):
        """The subject in the language active now (the reader's)."""
        from .notifications import words_in_language

        return words_in_language(self.words.get("subject"), self.subject)

    @property
    def body_text(self):
        from .notifications import words_in_language

        return words_in_language(self.words.get("body"), self.body)


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox): only its SHA-512 digest is stored, the token itself is shown once.

    A personal token acts as its user. An organisation token (``organization`` set) acts as that organisation's
    integration user, which holds one membership: the organisation's own API role, so it sees what the
    organisation's officers see and nothing else. Tokens expire (``API_TOKEN_TTL_DAYS``), are listed with their last
    use, revoked by deleting the row, and a password change deletes the user's personal tokens.
    """

    name = models.CharField(_("name"), max_length=100)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_from = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"{self.name} ({self.token_key}…)"
