"""State changes of companies, IP assets and the application case.

Every status move goes through ``application_transition``; the applicant's
services (submit, withdraw) and the staff's (casework) all use it.
"""

from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from accounts.notifications import notify
from accounts.roles import OrganizationKind, Role
from audit.services import audit_record
from core.errors import Conflict, IllegalTransition, InvalidInput
from core.uploads import CONTENT_TYPES, JPEG, PDF, PNG, XLSX, check_upload  # noqa: F401
from programs import eligibility
from programs.models import ReferenceCounter
from programs.services import program_budget_commit, program_budget_release

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
from .validators import validate_company_number, validate_registry_number

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


def stage_span_move(*, application, stage, at=None):
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


@transaction.atomic
def application_transition(*, application, action, actor, details=None, applicant_visible=True, fields=None):
    """Move the case along ``TRANSITIONS`` by ``action`` under a row lock.

    ``fields`` are extra attribute values saved in the same UPDATE. Writes one
    audit event ``application.<action>``. Raises ``IllegalTransition`` (409)
    when the table has no such move from the current status; nothing changes.
    """
    locked = Application.objects.select_for_update().get(pk=application.pk)
    target = TRANSITIONS.get((locked.status, action))
    if target is None:
        raise IllegalTransition(
            f"A case in status “{locked.get_status_display()}” cannot be moved by “{action}”.",
            details={"status": locked.status, "action": action, "allowed": locked.allowed_actions()},
        )
    old = locked.status
    locked.status = target
    update = {"status", "updated_at"}
    if target in DECIDED_STATUSES:
        locked.decided_at = timezone.now()
        update.add("decided_at")
    for name, value in (fields or {}).items():
        setattr(locked, name, value)
        update.add(name)
    locked.save(update_fields=sorted(update))
    stage_span_move(application=locked, stage=target)
    audit_record(
        actor=actor,
        action=f"application.{action}",
        target=locked,
        old_state=old,
        new_state=target,
        details=details,
        applicant_visible=applicant_visible,
    )
    # Callers keep using the object they hold.
    for name in update:
        setattr(application, name, getattr(locked, name))
    return locked


# --- companies -----------------------------------------------------------------


def _financials(company, revenues, currency):
    for year, revenue in revenues.items():
        if revenue is None:
            continue
        CompanyFinancialYear.objects.update_or_create(
            company=company, year=int(year), defaults={"revenue": revenue, "currency": currency}
        )


@transaction.atomic
def company_register(*, actor, data, revenues=None, currency="KRW"):
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
    organization = Organization.objects.create(
        name=data["legal_name"],
        kind=OrganizationKind.COMPANY,
        country=country,
        short_code=f"C{country}{number.replace('-', '')}"[:20],
    )
    Membership.objects.create(user=actor, organization=organization, role=Role.APPLICANT)
    try:
        with transaction.atomic():
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
    _financials(company, revenues or {}, currency)
    audit_record(actor=actor, action="company.registered", target=company, organization=organization)
    actor.__dict__.pop("active_memberships", None)
    actor.__dict__.pop("roles", None)
    return company


@transaction.atomic
def company_update(*, company, actor, data, revenues=None, currency="KRW"):
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


@transaction.atomic
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
    return {f: data.get(f) for f in ASSET_FIELDS if f in data}


@transaction.atomic
def ip_asset_create(*, company, actor, data):
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
def ip_asset_update(*, asset, actor, data):
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


@transaction.atomic
def application_create_draft(*, company, program, actor):
    if not program.is_published:
        raise Conflict(_("This program is not open for applications."), code="program_closed")
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
    *, application, actor, requested_amount=None, purpose=None, ip_assets=None, step=None
):
    """Save what the applicant entered at a wizard step; nothing is checked beyond form validity."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    _require_draft(locked)
    fields = []
    if requested_amount is not None:
        program = locked.program
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
        locked.requested_amount = requested_amount
        fields.append("requested_amount")
    if purpose is not None:
        locked.purpose = purpose
        fields.append("purpose")
    if ip_assets is not None:
        foreign = [a for a in ip_assets if a.company_id != locked.company_id]
        if foreign:
            raise InvalidInput(_("Only your company's IP assets can be selected."), code="foreign_asset")
        busy = [a.registry_number for a in ip_assets if a.encumbrance != Encumbrance.FREE]
        if busy:
            raise Conflict(
                _("Already pledged or taken over: %(list)s.") % {"list": ", ".join(busy)},
                code="asset_encumbered",
            )
        locked.ip_assets.set(ip_assets)
    if step:
        locked.wizard_step = step
        fields.append("wizard_step")
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    for name in fields:
        setattr(application, name, getattr(locked, name))
    return locked


@transaction.atomic
def document_upload(*, application, actor, document_type, upload):
    """Check the file by content and size, store it under a generated name, record it. Nothing is stored on refusal."""
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
    checked = check_upload(upload, allowed=DOCUMENT_KINDS)
    root = settings.MEDIA_ROOT
    root.mkdir(parents=True, exist_ok=True)
    path = root / checked.storage_name
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
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


def document_path(document):
    return settings.MEDIA_ROOT / document.storage_name


def _missing_documents(application):
    have = set(application.documents.values_list("document_type", flat=True))
    return [d for d in application.program.required_documents or [] if d not in have]


def application_check(*, application):
    """Everything that stands between the draft and submission: failing rules, missing pieces."""
    problems = []
    if application.requested_amount is None:
        problems.append(_("Enter the amount you ask for."))
    if not application.ip_assets.exists():
        problems.append(_("Select at least one IP asset."))
    missing = _missing_documents(application)
    if missing:
        problems.append(_("Upload the required documents: %(list)s.") % {"list": ", ".join(missing)})
    results = eligibility.evaluate(application)
    problems += [f"{r.label}: {r.reason}" for r in eligibility.failing(results)]
    program = application.program
    today = date.today()
    if (program.opens_on and today < program.opens_on) or (program.closes_on and today > program.closes_on):
        problems.append(_("The program's application window is closed."))
    return results, problems


def _next_reference(program):
    year = timezone.now().year
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(program=program, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{program.code.upper()}-{year}-{counter.last_number:06d}"


@transaction.atomic
def application_submit(*, application, actor, declaration_accepted):
    """Submit a complete, eligible draft: reference, eligibility snapshot, budget reserved, event, email.

    Raises InvalidInput listing every reason while something is missing or a
    rule fails; Conflict(over_budget / exposure) when the money is not there.
    """
    locked = Application.objects.select_for_update().get(pk=application.pk)
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
    program_budget_commit(program=locked.program, amount=locked.requested_amount)
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
    notify(
        users=[actor],
        subject=_("Application %(ref)s received") % {"ref": locked.reference},
        body=_("Your application to %(program)s was submitted. We will tell you about every step.")
        % {"program": locked.program.name},
        link=f"/applications/{locked.pk}/",
    )
    for name in ("status", "reference", "submitted_at", "eligibility_snapshot", "declaration_accepted_at"):
        setattr(application, name, getattr(locked, name))
    return locked


@transaction.atomic
def application_withdraw(*, application, actor, reason=""):
    """The applicant withdraws before a decision; a reserved budget is released."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    was_open = locked.status in OPEN_STATUSES
    application_transition(application=locked, action="withdraw", actor=actor, details={"comment": reason})
    if was_open and locked.requested_amount:
        program_budget_release(program=locked.program, amount=locked.requested_amount)
    application.status = locked.status
    return locked
