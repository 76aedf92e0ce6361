"""Reads of companies, IP assets and applications, scoped to the user."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.roles import AGENCY_ROLES, Role

from .models import OPEN_STATUSES, Application, Company, IPAsset, Status

if TYPE_CHECKING:
    from datetime import date

    from django.db.models import QuerySet

    from accounts.models import User


def company_for(*, user: User) -> Company | None:
    """The company the applicant belongs to, or None."""
    organizations = user.organizations_for(Role.APPLICANT)
    if not organizations:
        return None
    return Company.objects.filter(organization__in=organizations).first()


def application_visible_to(*, user: User) -> QuerySet[Application]:
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


def application_get_for(*, user: User, pk: int) -> Application:
    application = application_visible_to(user=user).filter(pk=pk).first()
    if application is None:
        raise Http404
    return application


def application_staff_visible_to(*, user: User) -> QuerySet[Application]:
    """Submitted applications of the programs of the user's agencies: what agency staff work on (drafts are the
    applicant's own until submitted)."""
    return Application.objects.filter(program__agency__in=user.organizations_for(*AGENCY_ROLES)).exclude(
        status=Status.DRAFT
    )


def application_get_for_staff(*, user: User, pk: int) -> Application:
    """One application of the user's agencies' programs; 404 for any other (or a draft)."""
    application = (
        application_staff_visible_to(user=user).select_related("program", "company").filter(pk=pk).first()
    )
    if application is None:
        raise Http404
    return application


def ip_asset_visible_to(*, user: User) -> QuerySet[IPAsset]:
    return IPAsset.objects.filter(company__organization__in=user.organizations_for(Role.APPLICANT))


# Facility states in which a disbursed loan is still owed (repaid and closed owe nothing). The facility rows are
# read through the case's relation so that this app imports nothing from the app above it.
OWED_FACILITY_STATES = ("active", "delinquent", "defaulted", "claim_paid", "in_disposal")


def _sum_by_currency(qs, expression):
    return {
        row["program__currency"]: row["total"]
        for row in qs.values("program__currency").annotate(total=Sum(expression)).order_by()
        if row["total"]
    }


def company_exposure(
    *, company: Company, currency: str, exclude: Application | None = None, on: date | None = None
) -> Decimal:
    """What the company owes or may owe across all programs, in ``currency`` at the rate dated ``on`` (today).

    Cases in progress count at their requested amount; approved cases not yet disbursed at the approved amount;
    disbursed facilities still owed at their outstanding principal (repaid or closed: nothing). Each program
    currency's sum is converted once at the latest dated rate (Conflict ``missing_rate`` when there is none).
    ``exclude``: the application being checked, not counted.
    """
    from reporting.money import convert

    cases = Application.objects.filter(company=company)
    if exclude is not None:
        cases = cases.exclude(pk=exclude.pk)
    parts = [
        _sum_by_currency(cases.filter(status__in=OPEN_STATUSES), "requested_amount"),
        _sum_by_currency(
            cases.filter(status=Status.APPROVED).filter(
                Q(facility__isnull=True) | Q(facility__status="approved")
            ),
            Coalesce("approved_amount", "requested_amount"),
        ),
        _sum_by_currency(
            cases.filter(facility__status__in=OWED_FACILITY_STATES),
            F("facility__installments__principal") - F("facility__installments__paid_principal"),
        ),
    ]
    by_currency = {}
    for part in parts:
        for code, amount in part.items():
            by_currency[code] = by_currency.get(code, Decimal(0)) + amount
    on = on or timezone.localdate()
    return sum((convert(amount, code, currency, on)[0] for code, amount in by_currency.items()), Decimal(0))
