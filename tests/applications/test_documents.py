"""Documents can be removed while the application is a draft, by the company's own users, and never after."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications import services
from applications.models import Document
from audit.models import AuditEvent
from core.errors import Conflict, PermissionRefused
from tests.factories import PDF_BYTES, ApplicationFactory, IPAssetFactory, company_for_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(applicant):
    application = ApplicationFactory(company=company_for_user(applicant), created_by=applicant)
    application.ip_assets.set([IPAssetFactory(company=application.company)])
    return application


def _upload(application, user):
    return services.document_upload(
        application=application,
        actor=user,
        document_type="other",
        upload=SimpleUploadedFile("a.pdf", PDF_BYTES),
    )


def test_the_applicant_removes_a_document_from_a_draft_and_the_file_goes_with_it(
    client, applicant, draft, django_capture_on_commit_callbacks
):
    document = _upload(draft, applicant)
    path = services.document_path(document)
    client.force_login(applicant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("applications:document_remove", args=[document.pk]))
    assert response.status_code == 302 and response["Location"].endswith("/step/documents/")
    assert not Document.objects.filter(pk=document.pk).exists() and not path.exists()
    event = AuditEvent.objects.get(action="document.removed")
    assert event.actor == applicant and event.details["name"] == "a.pdf"


def test_a_submitted_applications_documents_cannot_be_removed(client, applicant, draft):
    document = _upload(draft, applicant)
    client.force_login(applicant)
    client.post(reverse("applications:wizard", args=[draft.pk, "declaration"]), {"declaration": "on"})
    draft.refresh_from_db()
    assert draft.status == "submitted"
    with pytest.raises(Conflict):
        services.document_remove(document=document, actor=applicant)
    client.post(reverse("applications:document_remove", args=[document.pk]))
    assert Document.objects.filter(pk=document.pk).exists()
    assert services.document_path(document).exists()


def test_another_company_cannot_remove_the_document(client, applicant, outsider_applicant, officer, draft):
    document = _upload(draft, applicant)
    client.force_login(outsider_applicant)
    assert client.post(reverse("applications:document_remove", args=[document.pk])).status_code == 404
    with pytest.raises(PermissionRefused):
        services.document_remove(document=document, actor=officer)
    assert Document.objects.filter(pk=document.pk).exists()
