"""Uploads are judged by what they contain: stored and offered under the detected type's extension, zips measured by
what they really expand to (not what their headers declare), and each application holds at most its quota."""

import io
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from applications import services
from applications.models import Document
from core import uploads
from core.errors import Conflict, InvalidInput
from tests.factories import PDF_BYTES, ApplicationFactory

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _xlsx_bytes(payload=b"<sheet/>", *, member_size=None):
    """A minimal spreadsheet-shaped zip; ``member_size`` makes xl/sheet.xml that many zero bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", payload)
        if member_size:
            archive.writestr("xl/sheet.xml", b"\x00" * member_size)
    return buffer.getvalue()


def _lie_about_sizes(data, declared=1000):
    """The same archive with every member's uncompressed size rewritten to ``declared`` bytes, in the local headers
    and the central directory: the headers now say the archive is small."""
    data = bytearray(data)
    offset = 0
    while (offset := data.find(b"PK\x03\x04", offset)) != -1:
        struct.pack_into("<I", data, offset + 22, declared)
        offset += 4
    offset = 0
    while (offset := data.find(b"PK\x01\x02", offset)) != -1:
        struct.pack_into("<I", data, offset + 24, declared)
        offset += 4
    return bytes(data)


def test_html_named_pdf_bytes_are_stored_and_offered_as_pdf():
    checked = uploads.check_upload(SimpleUploadedFile("invoice.html", PDF_BYTES), allowed={uploads.PDF})
    assert checked.kind == uploads.PDF
    assert checked.storage_name.endswith(".pdf")
    assert checked.original_name == "invoice.pdf"


def test_a_name_without_extension_gets_the_detected_one_and_a_right_one_is_kept():
    allowed = {uploads.PDF, uploads.JPEG, uploads.PNG}
    assert (
        uploads.check_upload(SimpleUploadedFile("scan", PNG_BYTES), allowed=allowed).original_name
        == "scan.png"
    )
    jpeg = SimpleUploadedFile("photo.JPEG", b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    assert uploads.check_upload(jpeg, allowed=allowed).original_name == "photo.JPEG"
    tricky = SimpleUploadedFile("report.pdf.exe", PDF_BYTES)
    assert uploads.check_upload(tricky, allowed=allowed).original_name == "report.pdf.pdf"


def test_html_bytes_named_pdf_are_refused():
    upload = SimpleUploadedFile("statement.pdf", b"<html><script>alert(1)</script></html>")
    with pytest.raises(InvalidInput) as refused:
        uploads.check_upload(upload, allowed={uploads.PDF})
    assert refused.value.code == "file_type"


def test_a_detected_type_that_is_not_allowed_is_refused_whatever_the_name():
    with pytest.raises(InvalidInput) as refused:
        uploads.check_upload(SimpleUploadedFile("image.pdf", PNG_BYTES), allowed={uploads.PDF})
    assert refused.value.code == "file_type"


def test_an_honest_spreadsheet_is_accepted():
    checked = uploads.check_upload(SimpleUploadedFile("book.xlsx", _xlsx_bytes()), allowed={uploads.XLSX})
    assert checked.kind == uploads.XLSX


def test_a_zip_bomb_whose_headers_lie_about_its_size_is_refused():
    honest = _xlsx_bytes(member_size=30 * 1024 * 1024)  # 30 MB of zeros in a few tens of kilobytes
    bomb = _lie_about_sizes(honest)
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        declared = sum(info.file_size for info in archive.infolist())
        packed = sum(info.compress_size for info in archive.infolist())
    assert declared / packed < uploads.MAX_RATIO  # the old check, which trusted these, let it through
    with pytest.raises(InvalidInput) as refused:
        uploads.check_upload(SimpleUploadedFile("book.xlsx", bomb), allowed={uploads.XLSX})
    assert refused.value.code == "archive_bomb"


def test_a_zip_that_really_expands_past_the_cap_is_refused_without_reading_it_all(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UNCOMPRESSED", 1024 * 1024)
    read = []
    original = uploads._expanded_size

    def counting(archive, info, budget):
        size = original(archive, info, budget)
        read.append(size)
        return size

    monkeypatch.setattr(uploads, "_expanded_size", counting)
    archive = _xlsx_bytes(member_size=8 * 1024 * 1024)
    with pytest.raises(InvalidInput) as refused:
        uploads.check_upload(SimpleUploadedFile("book.xlsx", archive), allowed={uploads.XLSX})
    assert refused.value.code == "archive_bomb"
    assert sum(read) <= 1024 * 1024 + 2 * uploads.ARCHIVE_CHUNK  # stopped at the cap, not at 8 MB


def test_a_zip_that_is_not_a_spreadsheet_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(InvalidInput) as refused:
        uploads.check_upload(SimpleUploadedFile("x.xlsx", buffer.getvalue()), allowed={uploads.XLSX})
    assert refused.value.code == "file_type"


def _upload(application, name="doc.pdf", data=PDF_BYTES):
    return services.document_upload(
        application=application,
        actor=application.created_by,
        document_type="other",
        upload=SimpleUploadedFile(name, data),
    )


@pytest.mark.django_db
@override_settings(DOCUMENT_QUOTA_COUNT=2)
def test_an_application_holds_at_most_its_quota_of_documents(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    application = ApplicationFactory()
    _upload(application)
    _upload(application)
    with pytest.raises(Conflict) as refused:
        _upload(application)
    assert refused.value.code == "document_quota"
    assert Document.objects.filter(application=application).count() == 2
    assert len(list(tmp_path.iterdir())) == 2  # nothing stored for the refused one


@pytest.mark.django_db
def test_an_application_holds_at_most_its_quota_of_bytes(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    settings.DOCUMENT_QUOTA_BYTES = len(PDF_BYTES) * 2 + 10
    application = ApplicationFactory()
    _upload(application)
    _upload(application)
    with pytest.raises(Conflict) as refused:
        _upload(application)
    assert refused.value.details["bytes"] == len(PDF_BYTES) * 2
    other = ApplicationFactory()
    assert _upload(other).size == len(PDF_BYTES)  # the quota is per application


@pytest.mark.django_db
def test_the_api_answers_the_quota_with_a_409_in_the_error_shape(tmp_path, settings):
    from rest_framework.test import APIClient

    settings.MEDIA_ROOT = tmp_path
    settings.DOCUMENT_QUOTA_COUNT = 1
    application = ApplicationFactory()
    _upload(application)
    client = APIClient()
    client.force_authenticate(application.created_by)
    response = client.post(
        f"/api/v1/applications/{application.pk}/documents/",
        {"document_type": "other", "file": SimpleUploadedFile("more.html", PDF_BYTES)},
        format="multipart",
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "document_quota"
