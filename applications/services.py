"""State changes of companies, IP assets and the application case.

Every status move goes through ``application_transition``; the applicant's
services (submit, withdraw) and the staff's (casework) all use it.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import Membership, Organization
from accounts.notifications import later, notify
from accounts.roles import OrganizationKind, Role
from audit.services import audit_record, transition_recorder
from core.errors import Conflict, IllegalTransition, InvalidInput, PermissionRefused
from core.money import currency_places, round_money
from core.transitions import move
from core.uploads import CONTENT_TYPES, JPEG, PDF, PNG, XLSX, check_upload  # noqa: F401
from programs import eligibility
from programs.models import ReferenceCounter
from programs.services import program_budget_commit, program_budget_release, program_budget_share

from .models import (
    DECIDED_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    Application,
    Company,
    CompanyFinancialYear,
    Document,
    Encumbrance,
    IPAsset,
    StageSpan,
    Status,
)
from .selectors import company_exposure
from .validators import validate_company_number, validate_registry_number

if TYPE_CHECKING:
    from datetime import date, datetime
    from pathlib import Path

    from django.core.files.uploadedfile import UploadedFile

    from accounts.models import User
    from programs.eligibility import RuleResult
    from programs.models import Program

DOCUMENT_KINDS = {PDF, PNG, JPEG, XLSX}
COMPANY_FIELDS = [
    "legal_name",
    "sector",
    "region",
    "employees",
    "credit_grade",
    "contact_name",
    "contact_email",
    "contact_phone",
]
ASSET_FIELDS = [
    "ip_type",
    "jurisdiction",
    "registry_number",
    "title",
    "filing_date",
    "grant_date",
    "expiry_date",
    "status",
    "owner_name",
]


def stage_span_move(*, application: Application, stage: str, at: datetime | None = None) -> None:
    """Close the case's open stage span (with the whole days spent) and open one for ``stage``."""
    at = at or timezone.now()
    current = StageSpan.objects.filter(application=application, left_at__isnull=True).first()
    if current is not None:
        left = max(
            at, current.entered_at
        )  # a clock set back between two moves makes a zero-day stay, not a negative one
        current.left_at, current.days = left, (left - current.entered_at).days
        current.save(update_fields=["left_at", "days"])
    StageSpan.objects.create(application=application, stage=stage, entered_at=at)


# the actions that decide a case (its decision is dated)
DECIDING = frozenset(move.action for move in TRANSITIONS if move.target in DECIDED_STATUSES)


def _illegal(application, action):
    current = Application.objects.get(pk=application.pk)
    return IllegalTransition(
        f"A case in status “{current.get_status_display()}” cannot be moved by “{action}”.",
        details={"status": current.status, "action": action, "allowed": current.allowed_actions()},
    )


@transaction.atomic
def application_transition(
    *,
    application: Application,
    action: str,
    actor: User,
    details: dict | None = None,
    applicant_visible: bool = True,
    fields: dict | None = None,
    maker: User | None = None,
) -> Application:
    """Move the case by ``action`` under ``applications.models.TRANSITIONS`` (core.transitions.move: lock, check
    the table, the actor's role and, for the decision, that ``maker`` (the recommender) is someone else).

    ``fields`` are extra attribute values saved in the same UPDATE. Writes one audit event
    ``application.<action>`` and the case's stage span. Raises ``IllegalTransition`` (409) when the table has
    no such move from the current status, ``PermissionRefused`` for a role or person the move refuses; nothing
    changes then."""
    changes = {**(fields or {}), "updated_at": timezone.now()}
    if action in DECIDING:
        changes["decided_at"] = timezone.now()
    try:
        locked = move(
            obj=application,
            table=TRANSITIONS,
            action=action,
            actor=actor,
            maker=maker,
            record=transition_recorder(applicant_visible=applicant_visible),
            changes=changes,
            details=details,
        )
    except IllegalTransition as refused:
        raise _illegal(application, action) from refused
    stage_span_move(application=locked, stage=locked.status)
    for name in changes:  # callers keep using the object they hold
        setattr(application, name, getattr(locked, name))
    return locked


# --- companies -----------------------------------------------------------------


SHORT_CODE_LENGTH = 20  # Organization.short_code's max_length


def company_short_code(country: str, number: str) -> str:
    """The company organisation's unique short code: ``C`` + country + the number when that fits; a longer number
    (China's 18-character credit code) gets a digest of the whole number instead, in lower case so that it never
    reads as another company's number. Cutting the number short made two codes sharing their first 17 characters
    collide (an IntegrityError, a 500)."""
    compact = number.replace("-", "")
    code = f"C{country}{compact}"
    if len(code) <= SHORT_CODE_LENGTH:
        return code
    digest = base64.b32encode(hashlib.sha256(f"{country}:{compact}".encode()).digest()).decode().lower()
    return f"C{country}{digest}"[:SHORT_CODE_LENGTH]


FIRST_REVENUE_YEAR = 1900


def revenue_year_error(year: int | str) -> str | None:
    """Why ``year`` cannot carry a revenue (not a number, before 1900, in the future), or None."""
    try:
        year = int(year)
    except (TypeError, ValueError):
        return _("Years must be numbers.")
    last = timezone.localdate().year
    if not FIRST_REVENUE_YEAR <= year <= last:
        return _("A revenue year is between %(first)s and %(last)s.") % {
            "first": FIRST_REVENUE_YEAR,
            "last": last,
        }
    return None


def _financials(company, revenues, currency):
    errors = {str(year): revenue_year_error(year) for year in revenues}
    errors = {year: [error] for year, error in errors.items() if error}
    if errors:
        raise InvalidInput(
            _("A revenue year is not valid."), code="invalid_revenue_year", details={"revenues": errors}
        )
    for year, revenue in revenues.items():
        if revenue is None:
            continue
        CompanyFinancialYear.objects.update_or_create(
            company=company, year=int(year), defaults={"revenue": revenue, "currency": currency}
        )


@transaction.atomic
def company_register(
    *, actor: User, data: dict, revenues: dict | None = None, currency: str = "KRW"
) -> Company:
    """Create the SME's organisation, the actor's applicant membership and the company profile.

    ``data``: COMPANY_FIELDS plus ``country`` and ``registration_number``; ``revenues``: {year: amount}.
    Raises InvalidInput for a bad number, Conflict when the number is registered already.
    """
    if actor.organizations_for(Role.APPLICANT):
        raise Conflict(_("You already belong to a company."), code="already_registered")
    country = data["country"].upper()
    number = validate_company_number(country, data["registration_number"])
    if Company.objects.filter(country=country, registration_number=number).exists():
        raise Conflict(
            _(
                "A company with this registration number is registered already; ask a colleague there to add you."
            ),
            code="duplicate_company",
            details={"registration_number": [_("already registered")]},
        )
    organization, company = _company_create(actor, data, country, number)
    _financials(company, revenues or {}, currency)
    audit_record(actor=actor, action="company.registered", target=company, organization=organization)
    actor.__dict__.pop("active_memberships", None)
    actor.__dict__.pop("roles", None)
    return company


def _company_create(actor, data, country, number):
    """The company's organisation, the actor's applicant membership and the profile. Two registrations of one number
    racing past the caller's check meet here, on the unique short code or the company's unique number: the second
    is told so."""
    try:
        with transaction.atomic():
            organization = Organization.objects.create(
                name=data["legal_name"],
                kind=OrganizationKind.COMPANY,
                country=country,
                short_code=company_short_code(country, number),
            )
            Membership.objects.create(user=actor, organization=organization, role=Role.APPLICANT)
            company = Company.objects.create(
                organization=organization,
                country=country,
                registration_number=number,
                **{f: data.get(f) or ("" if f != "employees" else 0) for f in COMPANY_FIELDS},
            )
    except IntegrityError:
        raise Conflict(
            _("A company with this registration number is registered already."), code="duplicate_company"
        )
    return organization, company


@transaction.atomic
def company_update(
    *, company: Company, actor: User, data: dict, revenues: dict | None = None, currency: str = "KRW"
) -> Company:
    """Update the profile (the registration number and country stay as registered)."""
    locked = Company.objects.select_for_update().get(pk=company.pk)
    changed = [f for f in COMPANY_FIELDS if f in data and getattr(locked, f) != data[f]]
    for f in changed:
        setattr(locked, f, data[f])
    if changed:
        locked.save(update_fields=changed)
    _financials(locked, revenues or {}, currency)
    audit_record(actor=actor, action="company.updated", target=locked, details={"fields": changed})
    return locked


# --- IP assets -------------------------------------------------------------------


def _asset_clean(data):
    data = dict(data)
    data["jurisdiction"] = (data.get("jurisdiction") or "").upper()
    data["registry_number"] = validate_registry_number(data["jurisdiction"], data.get("registry_number"))
    filing, grant, expiry = data.get("filing_date"), data.get("grant_date"), data.get("expiry_date")
    if filing and expiry and expiry <= filing:
        raise InvalidInput(
            _("The expiry date must be after the filing date."),
            code="invalid_dates",
            details={"expiry_date": [_("must be after the filing date")]},
        )
    if filing and grant and grant < filing:
        raise InvalidInput(
            _("The grant date cannot be before the filing date."),
            code="invalid_dates",
            details={"grant_date": [_("cannot be before the filing date")]},
        )
    _asset_dates_plausible(data.get("ip_type"), filing, grant, expiry)
    return {f: data.get(f) for f in ASSET_FIELDS if f in data}


# The longest protection a registration can have, counted from filing (extensions included); a trademark's
# registration runs 10 years at a time from today at most; anything else (copyright) within a century.
MAX_TERM_FROM_FILING_YEARS = {"patent": 25, "utility_model": 15, "design": 25}
TRADEMARK_TERM_YEARS = 10
LONGEST_YEARS = 100


def _years_after(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _asset_dates_plausible(ip_type, filing, grant, expiry):
    """Dates a registry could have issued: nothing filed or granted in the future, no expiry beyond the longest
    term the IP type allows (an expiry in 9999 is a typing error, and it would pass every remaining-life rule)."""
    today = date.today()
    for field, day in (("filing_date", filing), ("grant_date", grant)):
        if day and day > today:
            raise InvalidInput(
                _("This date cannot be in the future."),
                code="invalid_dates",
                details={field: [_("in the future")]},
            )
    if not expiry:
        return
    if ip_type in MAX_TERM_FROM_FILING_YEARS and filing:
        latest = _years_after(filing, MAX_TERM_FROM_FILING_YEARS[ip_type])
    elif ip_type == "trademark":
        latest = _years_after(today, TRADEMARK_TERM_YEARS)
    else:
        latest = _years_after(today, LONGEST_YEARS)
    if expiry > latest:
        raise InvalidInput(
            _("An expiry after %(latest)s is not possible for this type of IP.") % {"latest": latest},
            code="invalid_dates",
            details={"expiry_date": [_("at most %(latest)s") % {"latest": latest}]},
        )


@transaction.atomic
def ip_asset_create(*, company: Company, actor: User, data: dict) -> IPAsset:
    clean = _asset_clean(data)
    if IPAsset.objects.filter(
        jurisdiction=clean["jurisdiction"], ip_type=clean["ip_type"], registry_number=clean["registry_number"]
    ).exists():
        raise Conflict(
            _("This IP asset is registered already."),
            code="duplicate_asset",
            details={"registry_number": [_("already registered")]},
        )
    asset = IPAsset.objects.create(company=company, **clean)
    audit_record(actor=actor, action="ip_asset.registered", target=asset, case=company)
    return asset


@transaction.atomic
def ip_asset_update(*, asset: IPAsset, actor: User, data: dict) -> IPAsset:
    """Edit an asset that is free; a pledged or taken-over asset is frozen."""
    locked = IPAsset.objects.select_for_update().get(pk=asset.pk)
    if locked.encumbrance != Encumbrance.FREE:
        raise Conflict(
            _("This asset is %(state)s and cannot be edited.") % {"state": locked.get_encumbrance_display()},
            code="asset_encumbered",
        )
    clean = _asset_clean({**{f: getattr(locked, f) for f in ASSET_FIELDS}, **data})
    for f, v in clean.items():
        setattr(locked, f, v)
    locked.save(update_fields=list(clean))
    audit_record(actor=actor, action="ip_asset.updated", target=locked, case=locked.company)
    return locked


# --- the application ------------------------------------------------------------------


def _require_draft(application):
    if application.status != Status.DRAFT:
        raise IllegalTransition(_("Only a draft can be changed."), details={"status": application.status})


def _window_closed(program, today=None):
    today = today or date.today()
    return bool(
        (program.opens_on and today < program.opens_on) or (program.closes_on and today > program.closes_on)
    )


@transaction.atomic
def application_create_draft(*, company: Company, program: Program, actor: User) -> Application:
    """Start a draft, or return the company's untouched draft for the program (no silent empty duplicates).

    Refused before anything is written (no draft left behind) when the program is unpublished or its window closed.
    """
    if not program.is_published or _window_closed(program):
        raise Conflict(_("This program is not open for applications."), code="program_closed")
    untouched = Application.objects.filter(
        company=company, program=program, status=Status.DRAFT, requested_amount__isnull=True
    ).first()
    if untouched is not None:
        return untouched
    application = Application.objects.create(
        company=company, program=program, created_by=actor, wizard_step="amount"
    )
    audit_record(
        actor=actor,
        action="application.draft_created",
        target=application,
        new_state=Status.DRAFT,
        applicant_visible=True,
    )
    return application


@transaction.atomic
def application_update_draft(
    *,
    application: Application,
    actor: User,
    requested_amount: Decimal | None = None,
    purpose: str | None = None,
    ip_assets: list[IPAsset] | None = None,
    step: str | None = None,
) -> Application:
    """Save what the applicant entered at a wizard step; nothing is checked beyond form validity."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    _require_draft(locked)
    fields = []
    if requested_amount is not None:
        _check_amount(locked.program, requested_amount)
        locked.requested_amount = requested_amount
        fields.append("requested_amount")
    if purpose is not None:
        locked.purpose = purpose
        fields.append("purpose")
    if ip_assets is not None:
        _check_assets(locked, ip_assets)
        locked.ip_assets.set(ip_assets)
    if step:
        locked.wizard_step = step
        fields.append("wizard_step")
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    for name in fields:
        setattr(application, name, getattr(locked, name))
    return locked


def _check_amount(program, requested_amount):
    """Within the program's range and in whole minor units of its currency."""
    if not program.min_amount <= requested_amount <= program.max_amount:
        raise InvalidInput(
            _("The amount must be between %(min)s and %(max)s %(cur)s.")
            % {
                "min": f"{program.min_amount:,.0f}",
                "max": f"{program.max_amount:,.0f}",
                "cur": program.currency,
            },
            code="amount_out_of_range",
            details={"requested_amount": [_("out of the program's range")]},
        )
    if Decimal(requested_amount) != round_money(requested_amount, program.currency):
        raise InvalidInput(
            _("%(cur)s amounts take at most %(places)s decimal places.")
            % {"cur": program.currency, "places": currency_places(program.currency)},
            code="invalid_amount",
            details={"requested_amount": [_("finer than the currency's smallest unit")]},
        )


def _check_assets(application, ip_assets):
    """The company's own assets, none pledged or taken over."""
    foreign = [a for a in ip_assets if a.company_id != application.company_id]
    if foreign:
        raise InvalidInput(_("Only your company's IP assets can be selected."), code="foreign_asset")
    busy = [a.registry_number for a in ip_assets if a.encumbrance != Encumbrance.FREE]
    if busy:
        raise Conflict(
            _("Already pledged or taken over: %(list)s.") % {"list": ", ".join(busy)},
            code="asset_encumbered",
        )


def _check_document_quota(*, application, size):
    """Refuse a document that would take the application past DOCUMENT_QUOTA_COUNT files or DOCUMENT_QUOTA_BYTES.
    The application's row is locked first, so two uploads at once cannot both squeeze under the limit."""
    Application.objects.select_for_update().only("pk").get(pk=application.pk)
    held = Document.objects.filter(application=application).aggregate(count=Count("pk"), size=Sum("size"))
    count, total = held["count"], held["size"] or 0
    limit_count, limit_bytes = settings.DOCUMENT_QUOTA_COUNT, settings.DOCUMENT_QUOTA_BYTES
    if count + 1 > limit_count or total + size > limit_bytes:
        raise Conflict(
            _(
                "This application holds %(count)s documents (%(mb).1f MB); the limit is %(limit_count)s documents "
                "and %(limit_mb).0f MB together."
            )
            % {
                "count": count,
                "mb": total / 1048576,
                "limit_count": limit_count,
                "limit_mb": limit_bytes / 1048576,
            },
            code="document_quota",
            details={"count": count, "bytes": total, "limit_count": limit_count, "limit_bytes": limit_bytes},
        )


def _check_document_open(application, document_type):
    """Documents go to a draft or an answer to the agency, and are of a type the program asks for (or other)."""
    if application.status not in (Status.DRAFT, Status.INFO_REQUESTED):
        raise Conflict(
            _("Documents can be added to a draft, or when the agency asks for information."),
            code="documents_closed",
        )
    allowed_types = application.program.required_documents or []
    if allowed_types and document_type not in allowed_types and document_type != "other":
        raise InvalidInput(
            _("Unknown document type “%(t)s”.") % {"t": document_type},
            code="invalid_document_type",
            details={"document_type": allowed_types + ["other"]},
        )


def _document_store(upload, storage_name):
    """Write the upload under its generated name; the path."""
    root = settings.MEDIA_ROOT
    root.mkdir(parents=True, exist_ok=True)
    path = root / storage_name
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


@transaction.atomic
def document_upload(
    *, application: Application, actor: User, document_type: str, upload: UploadedFile
) -> Document:
    """Check the file by content and size, store it under a generated name, record it. Nothing is stored on refusal."""
    _check_document_open(application, document_type)
    checked = check_upload(upload, allowed=DOCUMENT_KINDS)
    _check_document_quota(application=application, size=checked.size)
    path = _document_store(upload, checked.storage_name)
    try:
        document = Document.objects.create(
            application=application,
            document_type=document_type,
            original_name=checked.original_name,
            storage_name=checked.storage_name,
            kind=checked.kind,
            size=checked.size,
            uploaded_by=actor,
        )
        audit_record(
            actor=actor,
            action="document.uploaded",
            target=document,
            case=application,
            details={"type": document_type, "name": checked.original_name},
            applicant_visible=True,
        )
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return document


def document_path(document: Document) -> Path:
    return settings.MEDIA_ROOT / document.storage_name


@transaction.atomic
def document_remove(*, document: Document, actor: User) -> Document:
    """Remove a document from a draft (the applicant's own company only); writes document.removed. Once the
    application is submitted its documents are part of the record and cannot be removed (Conflict)."""
    locked = Application.objects.select_for_update().select_related("company").get(pk=document.application_id)
    if not Membership.objects.filter(organization_id=locked.company.organization_id, user=actor).exists():
        raise PermissionRefused(_("Only the company's own users can remove its documents."))
    if locked.status != Status.DRAFT:
        raise Conflict(
            _("Documents can be removed only while the application is a draft."), code="documents_closed"
        )
    path = document_path(document)
    audit_record(
        actor=actor,
        action="document.removed",
        target=document,
        case=locked,
        details={"type": document.document_type, "name": document.original_name},
        applicant_visible=True,
    )
    document.delete()
    # The file goes only once the row is gone for good.
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return document


def _missing_documents(application):
    have = set(application.documents.values_list("document_type", flat=True))
    return [d for d in application.program.required_documents or [] if d not in have]


def application_exposure(*, application: Application) -> Decimal:
    """What the company owes or may owe in other cases, in the program's currency. Raises InvalidInput
    ``missing_rate`` (what the applicant can read, not a 409) when a currency of those cases has no dated rate."""
    currency = application.program.currency
    try:
        return company_exposure(company=application.company, exclude=application, currency=currency)
    except Conflict as exc:
        if exc.code != "missing_rate":
            raise
        details = exc.details or {}
        raise InvalidInput(
            _(
                "No exchange rate from %(currency)s to %(to)s on or before %(day)s: your cases in %(currency)s "
                "cannot be counted against this program's ceiling. The agency must enter the rate first."
            )
            % {
                "currency": details.get("currency"),
                "to": details.get("to", currency),
                "day": details.get("on"),
            },
            code="missing_rate",
            details=details,
        ) from exc


def application_check(*, application: Application) -> tuple[list[RuleResult], list[str]]:
    """Everything that stands between the draft and submission: failing rules, missing pieces."""
    problems = []
    if application.requested_amount is None:
        problems.append(_("Enter the amount you ask for."))
    if not application.ip_assets.exists():
        problems.append(_("Select at least one IP asset."))
    missing = _missing_documents(application)
    if missing:
        problems.append(_("Upload the required documents: %(list)s.") % {"list": ", ".join(missing)})
    program = application.program
    try:
        exposure = application_exposure(application=application)
    except InvalidInput as exc:  # a rate is missing: the ceiling cannot be checked, so the draft cannot go
        exposure = None
        problems.append(exc.message)
    results = eligibility.evaluate(application, exposure=exposure)
    problems += [f"{r.label}: {r.reason}" for r in eligibility.failing(results)]
    today = date.today()
    if _window_closed(program, today):
        problems.append(_("The program's application window is closed."))
    return results, problems


def _next_reference(program):
    year = timezone.now().year
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(program=program, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{program.code.upper()}-{year}-{counter.last_number:06d}"


def _submit_check(locked, declaration_accepted):
    """A draft, the declaration confirmed, nothing missing and every rule met; the eligibility results."""
    _require_draft(locked)
    if not declaration_accepted:
        raise InvalidInput(
            _("Confirm the declaration to submit."),
            code="declaration_missing",
            details={"declaration": [_("required")]},
        )
    # One company at a time: two drafts of the same company cannot both slip under the ceiling.
    Company.objects.select_for_update().get(pk=locked.company_id)
    results, problems = application_check(application=locked)
    if problems:
        raise InvalidInput(
            _("The application cannot be submitted yet."),
            code="not_eligible",
            details={"reasons": [str(p) for p in problems]},
        )
    return results


def _submitted_notify(locked, actor):
    notify(
        users=[actor],
        subject=later(_lazy("Application %(ref)s received"), ref=locked.reference),
        body=later(
            _lazy("Your application to %(program)s was submitted. We will tell you about every step."),
            program=locked.program.name,
        ),
        link=reverse("applications:detail", args=[locked.pk]),
    )


@transaction.atomic
def application_submit(*, application: Application, actor: User, declaration_accepted: bool) -> Application:
    """Submit a complete, eligible draft: reference, eligibility snapshot, budget reserved, event, email.

    Raises InvalidInput listing every reason while something is missing or a
    rule fails; Conflict(over_budget / exposure) when the money is not there.
    """
    locked = Application.objects.select_for_update().get(pk=application.pk)
    results = _submit_check(locked, declaration_accepted)
    program_budget_commit(
        program=locked.program,
        amount=program_budget_share(program=locked.program, amount=locked.requested_amount),
    )
    now = timezone.now()
    application_transition(
        application=locked,
        action="submit",
        actor=actor,
        fields={
            "reference": _next_reference(locked.program),
            "submitted_at": now,
            "declaration_accepted_at": now,
            "eligibility_snapshot": eligibility.snapshot(results),
            "wizard_step": "submitted",
        },
    )
    _submitted_notify(locked, actor)
    for name in ("status", "reference", "submitted_at", "eligibility_snapshot", "declaration_accepted_at"):
        setattr(application, name, getattr(locked, name))
    return locked


@transaction.atomic
def application_withdraw(*, application: Application, actor: User, reason: str = "") -> Application:
    """The applicant withdraws before a decision; a reserved budget is released."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    was_open = locked.status in OPEN_STATUSES
    application_transition(application=locked, action="withdraw", actor=actor, details={"comment": reason})
    if was_open and locked.requested_amount:
        program_budget_release(
            program=locked.program,
            amount=program_budget_share(program=locked.program, amount=locked.requested_amount),
        )
    application.status = locked.status
    return locked
