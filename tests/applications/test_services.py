from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applications import services
from applications.models import Application, Document, Status
from applications.validators import validate_company_number, validate_registry_number
from audit.models import AuditEvent
from core.errors import Conflict, IllegalTransition, InvalidInput
from programs.models import EligibilityRule, Program, RuleKind
from tests.concurrency import race
from tests.factories import PDF_BYTES, ApplicationFactory, IPAssetFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("country", "number"),
    [
        ("KR", "123-45-67890"),
        ("CN", "91110000600037341L"),
        ("GB", "01234567"),
        ("GB", "SC123456"),
        ("US", "12-3456789"),
    ],
)
def test_valid_company_numbers_pass(country, number):
    assert validate_company_number(country, number)


@pytest.mark.parametrize(
    ("country", "number"), [("KR", "1234567890"), ("CN", "123"), ("GB", "ABC"), ("US", "123456789")]
)
def test_malformed_company_numbers_say_what_the_format_is(country, number):
    with pytest.raises(InvalidInput) as error:
        validate_company_number(country, number)
    assert "registration_number" in error.value.details


@pytest.mark.parametrize(
    ("office", "number"),
    [
        ("KR", "10-2020-0123456"),
        ("CN", "ZL202010123456.7"),
        ("CN", "202110654321.X"),
        ("GB", "GB2512345"),
        ("EP", "EP1234567"),
        ("US", "10,123,456"),
        ("US", "US10123456"),
    ],
)
def test_valid_registry_numbers_pass_per_office(office, number):
    assert validate_registry_number(office, number)


@pytest.mark.parametrize(
    ("office", "number"),
    [("KR", "2020-123"), ("CN", "ZL2020"), ("GB", "2512345X1"), ("EP", "1234567"), ("US", "ABC")],
)
def test_invalid_registry_numbers_are_refused_with_the_offices_format(office, number):
    with pytest.raises(InvalidInput) as error:
        validate_registry_number(office, number)
    assert "registry_number" in error.value.details


def test_an_unsupported_office_is_a_clear_error():
    with pytest.raises(InvalidInput, match="not supported"):
        validate_registry_number("JP", "123")


def _ready_draft(**kwargs):
    application = ApplicationFactory(**kwargs)
    application.ip_assets.set([IPAssetFactory(company=application.company)])
    return application


def test_submission_gives_a_reference_snapshots_eligibility_reserves_budget_and_tells_the_applicant(
    mailoutbox, django_capture_on_commit_callbacks
):
    application = _ready_draft(program__code="KIPO", requested_amount=Decimal("250000000"))
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(
            application=application, actor=application.created_by, declaration_accepted=True
        )
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.reference.startswith("KIPO-") and application.reference.endswith("-000001")
    assert "rules" in application.eligibility_snapshot
    assert Program.objects.get(pk=application.program_id).budget_committed == Decimal("250000000")
    event = AuditEvent.objects.get(action="application.submit")
    assert (event.old_state, event.new_state, event.applicant_visible) == ("draft", "submitted", True)
    assert (
        mailoutbox[0].to == [application.created_by.email] and application.reference in mailoutbox[0].subject
    )


def test_references_count_up_per_program():
    first, second = _ready_draft(), None
    second = _ready_draft(program=first.program)
    for application in (first, second):
        services.application_submit(
            application=application, actor=application.created_by, declaration_accepted=True
        )
    assert [first.reference[-6:], second.reference[-6:]] == ["000001", "000002"]


def test_a_failing_rule_refuses_submission_with_every_reason_and_changes_nothing():
    application = _ready_draft(company__employees=500)
    EligibilityRule.objects.create(
        program=application.program,
        kind=RuleKind.COMPANY_SIZE,
        parameters={"max_employees": 300},
        explanation="SMEs only",
    )
    with pytest.raises(InvalidInput) as error:
        services.application_submit(
            application=application, actor=application.created_by, declaration_accepted=True
        )
    assert error.value.code == "not_eligible"
    assert any("500" in reason for reason in error.value.details["reasons"])
    application.refresh_from_db()
    assert application.status == Status.DRAFT and application.reference is None
    assert Program.objects.get(pk=application.program_id).budget_committed == 0


def test_missing_documents_and_assets_block_submission():
    application = ApplicationFactory(program__required_documents=["Financial statements"])
    with pytest.raises(InvalidInput) as error:
        services.application_submit(
            application=application, actor=application.created_by, declaration_accepted=True
        )
    reasons = " ".join(error.value.details["reasons"])
    assert "Financial statements" in reasons and "IP asset" in reasons


def test_the_declaration_is_required():
    application = _ready_draft()
    with pytest.raises(InvalidInput, match="declaration"):
        services.application_submit(
            application=application, actor=application.created_by, declaration_accepted=False
        )


def test_an_amount_beyond_the_budget_is_refused_and_nothing_is_reserved():
    application = _ready_draft(
        program__budget_envelope=Decimal("100000000"),
        requested_amount=Decimal("150000000"),
        program__max_amount=Decimal("500000000"),
    )
    with pytest.raises(Conflict) as error:
        services.application_submit(
            application=application, actor=application.created_by, declaration_accepted=True
        )
    assert error.value.code == "over_budget"
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_withdrawal_releases_the_reserved_budget_and_a_second_withdrawal_is_illegal():
    application = _ready_draft()
    services.application_submit(
        application=application, actor=application.created_by, declaration_accepted=True
    )
    services.application_withdraw(
        application=application, actor=application.created_by, reason="Found other finance"
    )
    assert Program.objects.get(pk=application.program_id).budget_committed == 0
    with pytest.raises(IllegalTransition):
        services.application_withdraw(application=application, actor=application.created_by)


def test_a_submitted_application_cannot_be_edited_as_a_draft():
    application = _ready_draft()
    services.application_submit(
        application=application, actor=application.created_by, declaration_accepted=True
    )
    with pytest.raises(IllegalTransition):
        services.application_update_draft(
            application=application, actor=application.created_by, purpose="changed"
        )


def test_an_amount_outside_the_programs_range_is_refused():
    application = ApplicationFactory()
    with pytest.raises(InvalidInput) as error:
        services.application_update_draft(
            application=application, actor=application.created_by, requested_amount=Decimal("1")
        )
    assert "requested_amount" in error.value.details


def test_another_companys_asset_cannot_be_selected():
    application = ApplicationFactory()
    with pytest.raises(InvalidInput):
        services.application_update_draft(
            application=application, actor=application.created_by, ip_assets=[IPAssetFactory()]
        )


# --- documents ----------------------------------------------------------------------------


def _upload(application, name, content):
    return services.document_upload(
        application=application,
        actor=application.created_by,
        document_type="other",
        upload=SimpleUploadedFile(name, content),
    )


def test_a_pdf_is_stored_under_a_generated_name_outside_the_web_root(settings):
    application = ApplicationFactory()
    document = _upload(application, "../../etc/passwd.pdf", PDF_BYTES)
    assert document.original_name == "passwd.pdf"
    assert document.storage_name.endswith(".pdf") and "/" not in document.storage_name
    assert (settings.MEDIA_ROOT / document.storage_name).read_bytes() == PDF_BYTES


def test_an_executable_renamed_to_pdf_is_refused_and_nothing_is_stored(settings):
    application = ApplicationFactory()
    with pytest.raises(InvalidInput) as error:
        _upload(application, "report.pdf", b"MZ\x90\x00\x03 this is a windows executable")
    assert error.value.code == "file_type"
    assert Document.objects.count() == 0
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.iterdir())


def test_an_oversized_file_is_refused(settings):
    settings.MAX_UPLOAD_BYTES = 1024
    application = ApplicationFactory()
    with pytest.raises(InvalidInput) as error:
        _upload(application, "big.pdf", PDF_BYTES + b"0" * 2048)
    assert error.value.code == "file_too_large"
    assert Document.objects.count() == 0


def test_documents_cannot_be_added_once_the_case_is_with_the_agency():
    application = _ready_draft()
    services.application_submit(
        application=application, actor=application.created_by, declaration_accepted=True
    )
    with pytest.raises(Conflict):
        _upload(application, "late.pdf", PDF_BYTES)


# --- races on PostgreSQL -------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_submissions_racing_for_the_last_of_a_budget_exactly_one_wins():
    first = _ready_draft(program__budget_envelope=Decimal("150000000"), requested_amount=Decimal("100000000"))
    second = _ready_draft(program=first.program, requested_amount=Decimal("100000000"))
    outcomes = race(
        [
            lambda a=a: services.application_submit(
                application=a, actor=a.created_by, declaration_accepted=True
            )
            for a in (first, second)
        ]
    )
    assert outcomes == ["ok", "over_budget"]
    assert Application.objects.filter(status=Status.SUBMITTED).count() == 1
    assert Program.objects.get(pk=first.program_id).budget_committed == Decimal("100000000")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_drafts_of_one_company_cannot_both_slip_under_the_exposure_ceiling():
    first = _ready_draft(
        program__company_exposure_ceiling=Decimal("150000000"), requested_amount=Decimal("100000000")
    )
    EligibilityRule.objects.create(
        program=first.program, kind=RuleKind.EXPOSURE_CEILING, explanation="ceiling"
    )
    second = ApplicationFactory(
        program=first.program,
        company=first.company,
        created_by=first.created_by,
        requested_amount=Decimal("100000000"),
    )
    second.ip_assets.set([IPAssetFactory(company=first.company)])
    outcomes = race(
        [
            lambda a=a: services.application_submit(
                application=a, actor=a.created_by, declaration_accepted=True
            )
            for a in (first, second)
        ]
    )
    assert outcomes == ["not_eligible", "ok"]


def test_each_transition_closes_the_stay_it_ends_and_opens_the_next(program, officer):
    from datetime import UTC, datetime

    from freezegun import freeze_time

    from applications.models import StageSpan
    from tests.factories import make_submitted

    with freeze_time("2026-03-02 09:00:00"):
        case = make_submitted(program)
    with freeze_time("2026-03-05 08:00:00"):  # 2 days 23 hours later: 2 whole days
        services.application_transition(application=case, action="start_screening", actor=officer)
    assert list(StageSpan.objects.filter(application=case).values_list("stage", "days", "left_at")) == [
        ("submitted", 2, datetime(2026, 3, 5, 8, tzinfo=UTC)),
        ("screening", None, None),
    ]
