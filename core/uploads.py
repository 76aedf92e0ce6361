"""Uploaded files: checked by their content (magic bytes), size-limited, stored under a generated name.

Every upload in IPFin (application documents, valuation reports, repayment
CSVs) goes through ``check_upload``; the file's own name is never trusted and
never used on disk.
"""

import io
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings

from .errors import InvalidInput

PDF, PNG, JPEG, XLSX, CSV = "pdf", "png", "jpeg", "xlsx", "csv"
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", XLSX: ".xlsx", CSV: ".csv"}
CONTENT_TYPES = {
    PDF: "application/pdf",
    PNG: "image/png",
    JPEG: "image/jpeg",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    CSV: "text/csv",
}
# An XLSX is a zip archive: refuse archives that would inflate absurdly (zip bombs).
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 100


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    size: int
    original_name: str
    storage_name: str

    @property
    def content_type(self):
        return CONTENT_TYPES[self.kind]


def _sniff(head):
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


def _is_xlsx(upload):
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
            total = sum(info.file_size for info in infos)
            packed = sum(info.compress_size for info in infos) or 1
            if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
                raise InvalidInput(
                    "The spreadsheet expands to far more than its size (a zip bomb?).", code="archive_bomb"
                )
            names = {info.filename for info in infos}
            return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)
    except zipfile.BadZipFile:
        return False
    finally:
        upload.seek(0)


def _looks_like_text(head):
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head


def safe_display_name(name):
    """The last path component, without control characters, for display only."""
    base = PurePosixPath(str(name).replace("\\", "/")).name
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(". ")
    return cleaned[:200] or "upload"


def check_upload(upload, *, allowed, max_bytes=None):
    """Return a ``CheckedUpload`` for ``upload`` (a Django UploadedFile) or raise ``InvalidInput``.

    ``allowed``: kinds from this module (PDF, PNG, JPEG, XLSX, CSV).
    """
    max_bytes = max_bytes or settings.MAX_UPLOAD_BYTES
    if upload is None:
        raise InvalidInput("Choose a file to upload.", code="file_missing")
    if upload.size > max_bytes:
        raise InvalidInput(
            f"The file is {upload.size / 1048576:.1f} MB; the limit is {max_bytes / 1048576:.0f} MB.",
            code="file_too_large",
        )
    if upload.size == 0:
        raise InvalidInput("The file is empty.", code="file_empty")
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    kind = _sniff(head)
    if kind == "zip":
        kind = XLSX if _is_xlsx(upload) else None
    if kind is None and CSV in allowed and _looks_like_text(head):
        kind = CSV
    if kind not in allowed:
        names = ", ".join(k.upper() for k in allowed)
        raise InvalidInput(
            f"This file's content is not an accepted type ({names}), whatever its name says.",
            code="file_type",
        )
    return CheckedUpload(
        kind=kind,
        size=upload.size,
        original_name=safe_display_name(upload.name),
        storage_name=f"{uuid.uuid4().hex}{EXTENSIONS[kind]}",
    )


def read_text(upload, *, encoding="utf-8-sig"):
    """The text of a checked CSV upload (BOM tolerated)."""
    upload.seek(0)
    return io.TextIOWrapper(upload, encoding=encoding, newline="").read()
