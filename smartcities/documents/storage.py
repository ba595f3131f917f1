"""Uploaded files: the type read from the content (puremagic, then the container checked), the name's extension
made to agree, and the bytes kept under DOCUMENTS_DIR with a random name, never under static/."""
from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import puremagic
from werkzeug.utils import secure_filename

from smartcities.errors import ValidationError

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
PNG, JPEG = "image/png", "image/jpeg"
# The allow-list: each type and the extensions a file of that type may be named with.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",), DOCX: (".docx",), XLSX: (".xlsx",), ODT: (".odt",), ODS: (".ods",),
    PNG: (".png",), JPEG: (".jpg", ".jpeg"),
}
ALLOWED_NAMES = "PDF, DOCX, XLSX, ODT, ODS, PNG or JPEG"
# Markup a browser would render or run: refused whatever the file is called.
MARKUP = {"text/html", "image/svg+xml", "application/xhtml+xml", "application/xml", "text/xml"}
MARKUP_START = re.compile(rb"^(?:\xef\xbb\xbf|\xff\xfe|\xfe\xff)?\s*<", re.S)
STORED_NAME = re.compile(r"[0-9a-f]{32}")
ZIP_START = b"PK\x03\x04"


@dataclass(frozen=True)
class Stored:
    """What was kept: the random name under DOCUMENTS_DIR, the type, size, SHA-256 and a safe download name."""

    stored_name: str
    mime: str
    size: int
    sha256: str
    file_name: str


def read_bounded(stream: IO[bytes], max_bytes: int) -> bytes:
    """The upload's bytes, refused (naming `file`) when there are more than `max_bytes` or none."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError("file", f"is larger than {max_bytes // (1024 * 1024)} MB; the limit is "
                                      f"{max_bytes:,} bytes")
    if not data:
        raise ValidationError("file", "is empty")
    return data


def _container(data: bytes) -> str | None:
    """The office type of a ZIP container, from its members (OOXML parts, or the ODF mimetype entry)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if names and names[0] == "mimetype" and archive.getinfo("mimetype").file_size < 100:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                return declared if declared in (ODT, ODS) else None
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        return None
    return None


def sniff(data: bytes) -> str | None:
    """The allow-listed type the content is, by puremagic's signatures and the format's own structure; else None.

    Raises ValidationError for HTML, SVG and other markup (the types a browser would render), whatever the name.
    """
    try:
        found = {match.mime_type for match in puremagic.magic_string(data)}
    except puremagic.PureError:
        found = set()
    if found & MARKUP or MARKUP_START.match(data[:1024]):
        raise ValidationError("file", "is HTML, SVG or another markup file, which cannot be uploaded")
    if data.startswith(b"%PDF-") and PDF in found:
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n") and PNG in found:
        return PNG
    if data.startswith(b"\xff\xd8\xff") and JPEG in found:
        return JPEG
    if data.startswith(ZIP_START):
        return _container(data)
    return None


def check(data: bytes, name: str) -> tuple[str, str]:
    """(type, safe file name) of an upload whose content is on the allow-list and whose name's extension agrees."""
    mime = sniff(data)
    if mime is None:
        raise ValidationError("file", f"is not a {ALLOWED_NAMES} file (judged by its content, not its name)")
    extension = os.path.splitext(name or "")[1].lower()
    if extension not in EXTENSIONS[mime]:
        raise ValidationError("file", f"is a {EXTENSIONS[mime][0][1:].upper()} file by its content, so its name "
                                      f"must end in {' or '.join(EXTENSIONS[mime])}")
    safe = secure_filename(os.path.basename(name))[:200]
    if not safe.lower().endswith(extension):
        safe = "document" + extension
    return mime, safe


def root(directory: str) -> Path:
    """DOCUMENTS_DIR, created on first use (owner-only)."""
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def store(data: bytes, name: str, directory: str) -> Stored:
    """Check an upload and write it atomically under `directory` with a random name."""
    mime, safe = check(data, name)
    stored_name = secrets.token_hex(16)
    folder = root(directory)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, folder / stored_name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Stored(stored_name, mime, len(data), hashlib.sha256(data).hexdigest(), safe)


def path_of(stored_name: str, directory: str) -> Path | None:
    """The file of a stored name (only names this module makes), or None."""
    if not STORED_NAME.fullmatch(stored_name or ""):
        return None
    path = Path(directory) / stored_name
    return path if path.is_file() else None


def remove(stored_name: str, directory: str) -> None:
    """Delete a stored file (after a failed transaction, or with its document)."""
    path = path_of(stored_name, directory)
    if path is not None:
        path.unlink(missing_ok=True)
