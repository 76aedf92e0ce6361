"""Colleagues: an applicant invites someone by email address to act for the company; the invitee accepts or
declines. Services (every state change here is one of them), split from services.py for its size.

Nothing about the invitee changes until they accept: before, adding a colleague silently moved another company's
user (and the IP assets they registered next) into the inviter's company. A person acts for one company at a
time: accepting while acting for another company needs the explicit choice to leave it. The inviter learns
nothing about whether the address belongs to anyone (the answer is the same either way).
"""

from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import Membership, User
from accounts.notifications import later, notify
from accounts.roles import Role
from audit.services import audit_record
from core.errors import Conflict, PermissionRefused

from .models import Company, CompanyInvitation, InvitationStatus


def _event(invitation, actor, action, **kwargs):
    audit_record(
        actor=actor,
        action=f"company.invitation_{action}",
        target=invitation,
        case=invitation.company,
        organization=invitation.company.organization,
        **kwargs,
    )


@transaction.atomic
def company_invite(*, company, actor, email):
    """An applicant of ``company`` invites ``email``; writes ``company.invitation_sent`` and tells the person (if
    signed up) in the app. Raises PermissionRefused or Conflict (a member already, or invited already)."""
    if company.organization not in actor.organizations_for(Role.APPLICANT):
        raise PermissionRefused(_("Only the company's own applicants invite colleagues."))
    email = User.objects.normalize_email(email).strip().lower()
    if company.organization.memberships.filter(user__email__iexact=email).exists():
        raise Conflict(
            _("This person acts for the company already."),
            code="already_a_member",
            details={"email": [_("acts for the company already")]},
        )
    try:
        with transaction.atomic():
            invitation = CompanyInvitation.objects.create(company=company, email=email, invited_by=actor)
    except IntegrityError:
        raise Conflict(
            _("This address is invited already."),
            code="invited_already",
            details={"email": [_("invited already")]},
        )
    _event(invitation, actor, "sent", new_state=invitation.status, details={"email": email})
    invitee = User.objects.filter(email__iexact=email, is_active=True).first()
    if invitee is not None:
        notify(
            users=[invitee],
            subject=later(_lazy("%(company)s invites you to act for it"), company=company.legal_name),
            link=reverse("applications:invitations"),
        )
    return invitation


def invitations_for(*, user):
    """The pending invitations addressed to the user's own email address."""
    return CompanyInvitation.objects.filter(
        email__iexact=user.email, status=InvitationStatus.PENDING
    ).select_related("company", "invited_by")


def invitation_get_for(*, user, pk):
    invitation = invitations_for(user=user).filter(pk=pk).first()
    if invitation is None:
        raise Http404
    return invitation


def _answer(invitation, actor, status):
    locked = CompanyInvitation.objects.select_for_update().select_related("company").get(pk=invitation.pk)
    if locked.email.lower() != actor.email.lower():
        raise PermissionRefused(_("This invitation is addressed to someone else."))
    if locked.status != InvitationStatus.PENDING:
        raise Conflict(_("This invitation is answered already."), code="answered_already")
    locked.status, locked.answered_at, locked.answered_by = status, timezone.now(), actor
    locked.save(update_fields=["status", "answered_at", "answered_by"])
    return locked


def _companies_left(invitation, actor, leave_current):
    """The actor's applicant memberships of other companies, which accepting leaves: refused unless
    ``leave_current`` says so, or when the actor is the last person acting for one of them."""
    current = [m for m in actor.memberships.select_related("organization") if m.role == Role.APPLICANT]
    leaving = [m for m in current if m.organization_id != invitation.company.organization_id]
    if leaving and not leave_current:
        raise Conflict(
            _("You act for %(company)s: accept only if you leave it.")
            % {"company": leaving[0].organization.name},
            code="acts_for_another_company",
            details={"leave_current": [_("confirm that you leave your current company")]},
        )
    for membership in leaving:
        if not Membership.objects.filter(organization=membership.organization).exclude(user=actor).exists():
            raise Conflict(
                _("You are the last person acting for %(company)s: invite a colleague there first.")
                % {"company": membership.organization.name},
                code="last_member",
            )
    return leaving


@transaction.atomic
def invitation_accept(*, invitation, actor, leave_current=False):
    """The invitee joins the company as an applicant; writes ``company.invitation_accepted``. A person acting for
    another company leaves it only when ``leave_current`` says so (and not as its last member). Raises
    PermissionRefused (addressed to someone else, or a staff or partner role) or Conflict."""
    if actor.roles - {Role.APPLICANT}:
        raise PermissionRefused(
            _("People with an agency, bank, valuer, fund or oversight role do not act for companies."),
            code="not_an_applicant",
        )
    locked = CompanyInvitation.objects.select_related("company__organization").get(pk=invitation.pk)
    leaving = _companies_left(locked, actor, leave_current)
    locked = _answer(locked, actor, InvitationStatus.ACCEPTED)
    for membership in leaving:
        membership.delete()
        audit_record(
            actor=actor,
            action="company.member_left",
            target=membership.organization,
            organization=membership.organization,
            details={"user": actor.email},
        )
    Membership.objects.get_or_create(
        user=actor, organization=locked.company.organization, role=Role.APPLICANT
    )
    _event(locked, actor, "accepted", old_state=InvitationStatus.PENDING, new_state=locked.status)
    notify(
        users=[locked.invited_by],
        subject=later(
            _lazy("%(email)s now acts for %(company)s"), email=actor.email, company=str(locked.company)
        ),
        link=reverse("applications:colleagues"),
    )
    return locked


@transaction.atomic
def invitation_decline(*, invitation, actor):
    """The invitee says no; writes ``company.invitation_declined``. Nothing else changes."""
    locked = _answer(invitation, actor, InvitationStatus.DECLINED)
    _event(locked, actor, "declined", old_state=InvitationStatus.PENDING, new_state=locked.status)
    return locked


@transaction.atomic
def invitation_cancel(*, invitation, actor):
    """An applicant of the inviting company withdraws a pending invitation; writes ``company.invitation_cancelled``."""
    company = Company.objects.select_related("organization").get(pk=invitation.company_id)
    if company.organization not in actor.organizations_for(Role.APPLICANT):
        raise PermissionRefused(_("Only the company's own applicants withdraw its invitations."))
    locked = CompanyInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status != InvitationStatus.PENDING:
        raise Conflict(_("This invitation is answered already."), code="answered_already")
    locked.status, locked.answered_at, locked.answered_by = InvitationStatus.CANCELLED, timezone.now(), actor
    locked.save(update_fields=["status", "answered_at", "answered_by"])
    _event(locked, actor, "cancelled", old_state=InvitationStatus.PENDING, new_state=locked.status)
    return locked
