"""Issued documents of an institution, offered for download (PDF bytes checked by SHA-256)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import streamlit as st
from sqlmodel import Session

from dashboard.ui import fmt_date
from letters import LetterError, document_pdf, list_documents


@dataclass(frozen=True)
class IssuedFile:
    number: str
    version: int
    title: str
    kind: str
    issued_at: datetime | None
    pdf: bytes | None


def for_institution(session: Session, institution_id: int) -> list[IssuedFile]:
    """Every issued document version with its verified PDF (None when the stored file fails its check)."""
    files = []
    for doc in list_documents(session, institution_id):
        try:
            pdf: bytes | None = document_pdf(session, doc)
        except LetterError:
            pdf = None
        files.append(IssuedFile(doc.number, doc.version, doc.title, doc.kind, doc.issued_at, pdf))
    return files


def download_list(files: list[IssuedFile]) -> None:
    if not files:
        st.caption("尚无已出具的文书。")
        return
    for f in files:
        cols = st.columns([5, 2, 2])
        cols[0].markdown(f"**{f.title}**  \n{f.number}" + (f"（第{f.version}版）" if f.version > 1 else ""))
        cols[1].caption(fmt_date(f.issued_at))
        if f.pdf is None:
            cols[2].error("文件校验失败", icon=":material/gpp_bad:")
        else:
            cols[2].download_button("下载 PDF", f.pdf, file_name=f"{f.number}.pdf", mime="application/pdf",
                                    icon=":material/download:", key=f"dl-{f.number}-{f.version}")
