"""Inviting people: a user with a role in an organisation, and a link to choose their password.

Who may invite whom: the platform operator (a superuser) anyone anywhere; an administrator into their own
organisations and into the partner organisations an agency works with (banks, valuers, fund managers), never into
another agency or an oversight body (that would let one agency's administrator make themselves staff of another)."""

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from audit.services import audit_record
from core.errors import InvalidInput, PermissionRefused

from .models import Membership, Organization, User
from .notifications import later, notify
from .roles import ROLES_BY_ORGANIZATION_KIND, STAFF_ROLES, OrganizationKind, Role

PARTNER_KINDS = {OrganizationKind.LENDER, OrganizationKind.VALUER, OrganizationKind.FUND_MANAGER}


def organizations_invitable_by(*, user):
    """The organisations ``user`` may invite people into."""
    organizations = Organization.objects.filter(is_active=True)
    if user.is_superuser:
        return organizations
    own = [org.pk for org in user.organizations_for(Role.ADMINISTRATOR)]
    if not own:
        return organizations.none()
    return organizations.filter(Q(pk__in=own) | Q(kind__in=PARTNER_KINDS))


def _password_link(user):
    return reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )


def _invite_check(actor, organization, role):
    """The actor administers the organisation (or it is a partner), and the role exists in its kind."""
    if not organizations_invitable_by(user=actor).filter(pk=organization.pk).exists():
        raise PermissionRefused(
            _("You cannot invite people into this organisation."), code="not_your_organisation"
        )
    if role not in ROLES_BY_ORGANIZATION_KIND.get(organization.kind, set()):
        raise InvalidInput(
            _("This role does not exist in this kind of organisation."),
            code="role_not_in_kind",
            details={"role": [_("Not a role of a %(kind)s.") % {"kind": organization.get_kind_display()}]},
        )


def _invitee(email, full_name):
    """(user, created): the existing user of ``email``, or a new one without a password."""
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    user = User.objects.create_user(email=email, password=None, full_name=full_name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)  # the link proves it
    return user, True


def _invite_notify(user, created, organization, role):
    """The link to choose a password (new, or never set) or to sign in; staff hear of the authenticator."""
    link = _password_link(user) if created or not user.has_usable_password() else reverse("account_login")
    mfa = (
        _lazy(" As staff, you will set up an authenticator app at your first sign-in.")
        if role in STAFF_ROLES
        else ""
    )
    notify(
        users=[user],
        subject=_lazy("You are invited to IPFin"),
        body=later(
            _lazy("%(org)s gave you the role %(role)s.%(mfa)s Open the link to sign in."),
            org=organization.name,
            role=Role(role).label,
            mfa=mfa,
        ),
        link=link,
    )


@transaction.atomic
def user_invite(*, actor, email, organization, role, full_name="") -> Membership:
    """Give ``email`` the ``role`` in ``organization`` (a new user without a password, or an existing one) and send
    a link to choose a password; staff set up their authenticator at first sign-in. Writes accounts.user_invited;
    raises PermissionRefused, InvalidInput."""
    _invite_check(actor, organization, role)
    email = User.objects.normalize_email(email).lower()
    user, created = _invitee(email, full_name)
    membership, new_role = Membership.objects.get_or_create(user=user, organization=organization, role=role)
    if not new_role:
        raise InvalidInput(
            _("%(email)s already has this role here.") % {"email": email},
            code="already_member",
            details={"email": [_("Already a member with this role.")]},
        )
    _invite_notify(user, created, organization, role)
    audit_record(
        actor=actor,
        action="accounts.user_invited",
        target=membership,
        case=user,
        organization=organization,
        details={"email": email, "role": role, "new_user": created},
    )
    return membership
