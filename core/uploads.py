"""Uploaded files: checked by their content (magic bytes), size-limited, stored under a generated name.

Every upload in IPFin (application documents, valuation reports, repayment
CSVs) goes through ``check_upload``; the file's own name is never trusted and
never used on disk.
"""

import copy
import io
import uuid
import zipfile
import zlib
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
# An XLSX is a zip archive: refuse archives that really expand absurdly (zip bombs). The sizes an archive declares
# are not trusted: every member is decompressed, streaming, and counted, and the count stops at the cap.
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 100
MAX_MEMBERS = 10_000  # a spreadsheet has dozens; a million empty members is a bomb of another kind
ARCHIVE_CHUNK = 64 * 1024
# A name's extension that already says the detected type is kept (a ".jpeg" photo stays ".jpeg").
NAME_EXTENSIONS = {PDF: {".pdf"}, PNG: {".png"}, JPEG: {".jpg", ".jpeg"}, XLSX: {".xlsx"}, CSV: {".csv"}}


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


def _bomb():
    return InvalidInput(
        "The spreadsheet expands to far more than its size (a zip bomb?).", code="archive_bomb"
    )


def _expanded_size(archive, info, budget):
    """The bytes ``info`` really decompresses to, read in chunks; stops as soon as it passes ``budget``. The member's
    declared size is ignored while reading (a copy of its header says "up to the budget")."""
    probe = copy.copy(info)
    # Room for one chunk past the budget: the reader must not reach this "declared" end (where it would check the
    # CRC) before the loop stops; a member's real end still checks its CRC.
    probe.file_size = budget + 2 * ARCHIVE_CHUNK
    expanded = 0
    with archive.open(probe) as member:
        while chunk := member.read(ARCHIVE_CHUNK):
            expanded += len(chunk)
            if expanded > budget:
                break
    return expanded


def _is_xlsx(upload):
    """Whether the zip ``upload`` is a spreadsheet; ``archive_bomb`` when it really expands past the cap or more
    than MAX_RATIO times its size, or when a member's size is not what the archive declares."""
    upload.seek(0)
    budget = min(MAX_UNCOMPRESSED, MAX_RATIO * upload.size)
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise _bomb()
            total = 0
            for info in infos:
                expanded = _expanded_size(archive, info, budget - total)
                total += expanded
                if total > budget or expanded != info.file_size:
                    raise _bomb()
            names = {info.filename for info in infos}
            return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        RuntimeError,
        EOFError,
        zlib.error,
    ):
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


def display_name_for(kind, name):
    """The name shown and offered on download: the uploaded name with the extension of the type its content is
    (``report.html`` holding PDF bytes is ``report.pdf``), so that no browser opens it as something else."""
    cleaned = safe_display_name(name)
    path = PurePosixPath(cleaned)
    if path.suffix.lower() in NAME_EXTENSIONS[kind]:
        return cleaned
    stem = path.stem if path.suffix else cleaned
    return f"{stem[: 200 - len(EXTENSIONS[kind])]}{EXTENSIONS[kind]}"


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
        original_name=display_name_for(kind, upload.name),
        storage_name=f"{uuid.uuid4().hex}{EXTENSIONS[kind]}",
    )


def read_text(upload, *, encoding="utf-8-sig"):
    """The text of a checked CSV upload (BOM tolerated)."""
    upload.seek(0)
    return io.TextIOWrapper(upload, encoding=encoding, newline="").read()
