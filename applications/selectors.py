"""Reads of companies, IP assets and applications, scoped to the user."""

from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.roles import AGENCY_ROLES, Role

from .models import OPEN_STATUSES, Application, Company, IPAsset, Status


def company_for(*, user):
    """The company the applicant belongs to, or None."""
    organizations = user.organizations_for(Role.APPLICANT)
    if not organizations:
        return None
    return Company.objects.filter(organization__in=organizations).first()


def application_visible_to(*, user):
    """Applications the user may see: an applicant its company's; agency staff their agency's programs'."""
    qs = Application.objects.select_related("program", "company")
    condition = Q(pk__in=[])
    applicant_orgs = user.organizations_for(Role.APPLICANT)
    if applicant_orgs:
        condition |= Q(company__organization__in=applicant_orgs)
    agency_orgs = user.organizations_for(*AGENCY_ROLES)
    if agency_orgs:
        condition |= Q(program__agency__in=agency_orgs) & ~Q(status=Status.DRAFT)
    return qs.filter(condition)


def application_get_for(*, user, pk):
    application = application_visible_to(user=user).filter(pk=pk).first()
    if application is None:
        raise Http404
    return application


def application_staff_visible_to(*, user):
    """Submitted applications of the programs of the user's agencies: what agency staff work on (drafts are the
    applicant's own until submitted)."""
    return Application.objects.filter(program__agency__in=user.organizations_for(*AGENCY_ROLES)).exclude(
        status=Status.DRAFT
    )


def application_get_for_staff(*, user, pk):
    """One application of the user's agencies' programs; 404 for any other (or a draft)."""
    application = (
        application_staff_visible_to(user=user).select_related("program", "company").filter(pk=pk).first()
    )
    if application is None:
        raise Http404
    return application


def ip_asset_visible_to(*, user):
    return IPAsset.objects.filter(company__organization__in=user.organizations_for(Role.APPLICANT))


def company_exposure(*, company, exclude=None, currency=None):
    """What the company already owes or may owe across all programs, in amounts as requested/approved.

    Counts open cases at their requested amount and approved cases at their
    approved amount. ``exclude``: an application not to count (the one being checked).
    ``currency``: count only programs in that currency (a ceiling compares like with like).
    """
    qs = Application.objects.filter(company=company)
    if currency is not None:
        qs = qs.filter(program__currency=currency)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    totals = qs.aggregate(
        open=Coalesce(Sum("requested_amount", filter=Q(status__in=OPEN_STATUSES)), Decimal("0")),
        approved=Coalesce(
            Sum(Coalesce("approved_amount", "requested_amount"), filter=Q(status=Status.APPROVED)),
            Decimal("0"),
        ),
    )
    return totals["open"] + totals["approved"]
