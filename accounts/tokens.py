"""API tokens: hashed and expiring (django-rest-knox), personal or an organisation's, listed, revoked.

The token itself exists only in the answer to its creation (shown once); the database keeps knox's SHA-512 digest
and the first characters (``token_key``) that find the row. Every token expires after ``API_TOKEN_TTL_DAYS``.

- A personal token acts as its user and dies when the user's password changes (``User.save``).
- An organisation token is for a bank's (fund manager's, valuer's) own systems: it acts as the organisation's
  integration user, made on first use, whose one membership is the organisation's API role, so the token reaches
  exactly what that organisation's officers reach. Any officer of the organisation holding that role lists and
  revokes them; they outlive the person who made them.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import InvalidInput, NotFound, PermissionRefused

from .models import INTEGRATION_EMAIL_DOMAIN, ApiToken, Membership, Organization, User
from .roles import INTEGRATION_ROLE_BY_KIND

LAST_USE_PRECISION = timedelta(minutes=1)  # the last use is written at most once a minute per token


def api_token_ttl() -> timedelta:
    return timedelta(days=settings.API_TOKEN_TTL_DAYS)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput(
            _("Give the token a name of at most 100 characters."),
            code="invalid",
            details={"name": [_("Give the token a name of at most 100 characters.")]},
        )
    return name


def organizations_for_tokens(user: User) -> list[Organization]:
    """The organisations whose integration tokens ``user`` may make, list and revoke."""
    return [
        m.organization
        for m in user.active_memberships
        if INTEGRATION_ROLE_BY_KIND.get(m.organization.kind) == m.role
    ]


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """A personal token for ``actor``; writes ``api_token.created``. Returns the row and the token (shown once)."""
    row, token = ApiToken.objects.create(
        user=actor, expiry=api_token_ttl(), name=_clean_name(name), created_by=actor
    )
    audit_record(
        actor=actor,
        action="api_token.created",
        target=actor,
        details={"name": row.name, "token_key": row.token_key, "expiry": row.expiry.isoformat()},
    )
    return row, token


def _integration_user(organization: Organization) -> User:
    """The organisation's integration user (made once, under the organisation's row lock): no usable password, one
    membership in the organisation's API role."""
    if organization.integration_user_id:
        return organization.integration_user
    user = User.objects.create_user(
        email=f"integration+{organization.short_code.lower()}@{INTEGRATION_EMAIL_DOMAIN}",
        full_name=_("%(name)s (system integration)") % {"name": organization.name},
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    Membership.objects.create(
        user=user, organization=organization, role=INTEGRATION_ROLE_BY_KIND[organization.kind]
    )
    organization.integration_user = user
    organization.save(update_fields=["integration_user"])
    return user


@transaction.atomic
def api_token_create_for_organization(
    *, actor: User, organization: Organization, name: str
) -> tuple[ApiToken, str]:
    """An organisation token; writes ``api_token.created``. Only an officer of the organisation in its API role may;
    others get PermissionRefused. Returns the row and the token (shown once)."""
    if organization not in organizations_for_tokens(actor):
        raise PermissionRefused(_("You cannot make tokens for this organisation."))
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    row, token = ApiToken.objects.create(
        user=_integration_user(locked),
        expiry=api_token_ttl(),
        name=_clean_name(name),
        organization=locked,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="api_token.created",
        target=locked,
        organization=locked,
        details={
            "name": row.name,
            "token_key": row.token_key,
            "expiry": row.expiry.isoformat(),
            "scope": "organization",
        },
    )
    return row, token


def api_tokens_visible_to(*, user: User):
    """The user's personal tokens and the tokens of the organisations they manage tokens for (live ones only)."""
    return (
        ApiToken.objects.filter(
            Q(user=user, organization__isnull=True) | Q(organization__in=organizations_for_tokens(user))
        )
        .filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))
        .select_related("organization", "created_by")
    )


@transaction.atomic
def api_token_revoke(*, actor: User, digest: str) -> ApiToken:
    """Delete one token the actor may manage; writes ``api_token.revoked``. Any other token is NotFound."""
    token = api_tokens_visible_to(user=actor).select_for_update(of=("self",)).filter(digest=digest).first()
    if token is None:
        raise NotFound(_("No such token."))
    target = token.organization or actor
    details = {"name": token.name, "token_key": token.token_key}
    token.delete()
    audit_record(
        actor=actor,
        action="api_token.revoked",
        target=target,
        organization=token.organization,
        details=details,
    )
    return token


def api_tokens_revoke_on_password_change(*, user: User) -> int:
    """A password change ends every personal token of the user; writes ``api_token.revoked_all``."""
    deleted, _rows = ApiToken.objects.filter(user=user).delete()
    if deleted:
        audit_record(
            actor=user,
            action="api_token.revoked_all",
            target=user,
            details={"reason": "password_changed", "count": deleted},
        )
    return deleted


def api_token_note_use(*, token: ApiToken, address: str | None) -> None:
    """Remember when (to the minute) and from where the token was last used: one UPDATE a minute at most."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USE_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_from=address)
    token.last_used_at, token.last_used_from = now, address
