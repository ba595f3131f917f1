"""Text of uploaded PDFs for search, read with pypdf and bounded in pages and characters."""
from __future__ import annotations

import io
import logging
import re

from pypdf import PdfReader

log = logging.getLogger(__name__)
SPACE = re.compile(r"\s+")
NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def pdf_text(data: bytes, max_pages: int, max_chars: int) -> str:
    """The text of the first `max_pages` pages, at most `max_chars` characters; "" when none can be read.

    A damaged or hostile PDF never fails the upload: pypdf's errors are logged and the document has no text.
    """
    parts: list[str] = []
    total = 0
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            return ""
        for page in reader.pages[:max_pages]:
            text = SPACE.sub(" ", NOT_TEXT.sub("", page.extract_text() or "")).strip()
            if text:
                parts.append(text)
                total += len(text) + 1
            if total >= max_chars:
                break
    except Exception as error:  # noqa: BLE001 (pypdf raises many kinds on malformed files)
        log.warning("no text read from an uploaded PDF: %s", error)
    return " ".join(parts)[:max_chars]
