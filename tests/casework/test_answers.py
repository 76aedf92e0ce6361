"""The applicant answers an information request with the documents it asks for: together or not at all."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Document, Status
from casework import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(submitted, officer):
    services.case_start_screening(application=submitted, actor=officer)
    return services.case_request_info(
        application=submitted,
        actor=officer,
        question="Send the assignment deed",
        due_date=date.today() + timedelta(5),
    )


def test_the_applicant_answers_with_two_documents_and_the_officer_sees_them(
    client, applicant, submitted, asked
):
    from tests.factories import PDF_BYTES

    before = Document.objects.filter(application=submitted).count()
    client.force_login(applicant)
    response = client.post(
        reverse("casework:answer", args=[asked.pk]),
        {
            "answer": "Attached: the deed and its registration.",
            "documents": [
                SimpleUploadedFile("deed.pdf", PDF_BYTES),
                SimpleUploadedFile("reg.pdf", PDF_BYTES),
            ],
        },
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    submitted.refresh_from_db()
    assert asked.answered_at is not None and submitted.status == Status.SCREENING
    names = set(Document.objects.filter(application=submitted).values_list("original_name", flat=True))
    assert {"deed.pdf", "reg.pdf"} <= names and Document.objects.filter(
        application=submitted
    ).count() == before + 2


def test_a_file_that_is_not_what_it_claims_leaves_no_document_and_the_request_open(
    client, applicant, submitted, asked
):
    from tests.factories import PDF_BYTES

    before = Document.objects.filter(application=submitted).count()
    client.force_login(applicant)
    client.post(
        reverse("casework:answer", args=[asked.pk]),
        {
            "answer": "Attached.",
            "documents": [
                SimpleUploadedFile("deed.pdf", PDF_BYTES),
                SimpleUploadedFile("evil.pdf", b"MZ\x90\x00 not a pdf"),
            ],
        },
    )
    asked.refresh_from_db()
    assert asked.answered_at is None
    assert Document.objects.filter(application=submitted).count() == before


def test_another_company_cannot_answer_or_attach(client, outsider_applicant, submitted, asked):
    from tests.factories import PDF_BYTES

    client.force_login(outsider_applicant)
    response = client.post(
        reverse("casework:answer", args=[asked.pk]),
        {"answer": "Mine now", "documents": [SimpleUploadedFile("x.pdf", PDF_BYTES)]},
    )
    assert response.status_code == 404
    asked.refresh_from_db()
    assert asked.answered_at is None
