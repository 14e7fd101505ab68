"""Official letters, forms and notices: Jinja2 templates rendered to PDF, numbered, archived, verified."""

from letters.archive import (
    document_pdf,
    issue_document,
    latest_version,
    list_documents,
    reissue_document,
    verify_document,
    versions,
)
from letters.errors import LetterError
from letters.kinds import KINDS, Kind
from letters.models import Document, DocumentCounter
from letters.render import render_html, render_pdf

__all__ = [
    "KINDS", "Document", "DocumentCounter", "Kind", "LetterError", "document_pdf", "issue_document",
    "latest_version", "list_documents", "reissue_document", "render_html", "render_pdf", "verify_document",
    "versions",
]
